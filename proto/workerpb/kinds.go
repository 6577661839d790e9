package workerpb

// DeliveryKind names a delivery's kind as the kernel's logs, metrics and
// tests spell it ("message", "notify", "startVat", ...), "other" for an
// unknown one. Written by hand beside the generated code.
func DeliveryKind(d *Delivery) string {
	switch d.GetKind().(type) {
	case *Delivery_StartVat:
		return "startVat"
	case *Delivery_Message:
		return "message"
	case *Delivery_Notify:
		return "notify"
	case *Delivery_Flush:
		return "flush"
	case *Delivery_Ping:
		return "ping"
	case *Delivery_StopVat:
		return "stopVat"
	case *Delivery_BringOutYourDead:
		return "bringOutYourDead"
	case *Delivery_DropExports:
		return "dropExports"
	case *Delivery_RetireExports:
		return "retireExports"
	case *Delivery_RetireImports:
		return "retireImports"
	default:
		return "other"
	}
}
