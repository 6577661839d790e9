package keeper

import "strconv"

// NewObjectRef allocates a kernel object reference (ko<n>).
func (k *Keeper) NewObjectRef() string {
	return "ko" + strconv.FormatInt(k.next("kernel.nextKo"), 10)
}

// NewPromiseRef allocates a kernel promise reference (kp<n>).
func (k *Keeper) NewPromiseRef() string {
	return "kp" + strconv.FormatInt(k.next("kernel.nextKp"), 10)
}

// Counters returns the next object and promise numbers: every kref below
// them has been handed out.
func (k *Keeper) Counters() (objects, promises int64) {
	return max(k.getInt("kernel.nextKo"), 1), max(k.getInt("kernel.nextKp"), 1)
}

// NewVatID allocates a vat id (v<n>).
func (k *Keeper) NewVatID() string {
	return "v" + strconv.FormatInt(k.next("kernel.nextVat"), 10)
}

// NewSubclusterID allocates a subcluster id (s<n>).
func (k *Keeper) NewSubclusterID() string {
	return "s" + strconv.FormatInt(k.next("kernel.nextSub"), 10)
}
