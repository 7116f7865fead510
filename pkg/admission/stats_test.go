package admission

// Test-only views of a gate's state.

// Cost is the bytes the ticket holds.
func (t *Ticket) Cost() int64 { return t.cost }

// Stats is a snapshot of a Gate.
type Stats struct {
	// Running and Bytes are the admitted renders and their estimates.
	Running int
	Bytes   int64
	// Waiting counts renders waiting for admission.
	Waiting int
}

// Stats returns the gate's current use.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := Stats{Running: g.running, Bytes: g.used}
	for _, k := range g.keys {
		s.Waiting += len(k.waiting)
	}
	return s
}
