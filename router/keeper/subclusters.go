package keeper

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Subclusters: one record each, and the names of the system ones.

func subclusterKey(id string) string { return "sc." + id }

func systemKey(name string) string { return "sys." + name }

// Subcluster reads a subcluster's record.
func (k *Keeper) Subcluster(id string) (*Subcluster, bool) {
	var sc Subcluster
	if !k.getJSON(subclusterKey(id), &sc) {
		return nil, false
	}
	return &sc, true
}

// SetSubcluster writes a subcluster's record, and its name if it is a
// system subcluster.
func (k *Keeper) SetSubcluster(sc *Subcluster) {
	k.setJSON(subclusterKey(sc.ID), sc)
	if sc.Name != "" {
		k.set(systemKey(sc.Name), sc.ID)
	}
}

// DeleteSubcluster deletes a subcluster's record and name.
func (k *Keeper) DeleteSubcluster(sc *Subcluster) {
	k.del(subclusterKey(sc.ID))
	if sc.Name != "" {
		k.del(systemKey(sc.Name))
	}
}

// Subclusters lists every subcluster record, by id in byte order.
func (k *Keeper) Subclusters() []*Subcluster {
	var out []*Subcluster
	for _, e := range k.scan(subclusterKey("")) {
		var sc Subcluster
		if err := json.Unmarshal([]byte(e.value), &sc); err != nil {
			panic(StoreError{fmt.Errorf("subcluster record %s is malformed: %w", e.key, err)})
		}
		out = append(out, &sc)
	}
	return out
}

// SystemSubcluster returns the id of the system subcluster named name.
func (k *Keeper) SystemSubcluster(name string) (string, bool) { return k.get(systemKey(name)) }

// SystemSubclusterNames lists the names of the system subclusters.
func (k *Keeper) SystemSubclusterNames() []string {
	var names []string
	for _, e := range k.scan(systemKey("")) {
		names = append(names, strings.TrimPrefix(e.key, systemKey("")))
	}
	return names
}
