package core

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidJobID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "a new id", id: NewJobID(), want: true},
		{name: "no prefix", id: "00000000000000000000000000000000"},
		{name: "too short", id: "job_abc"},
		{name: "not hex", id: "job_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"},
		{name: "a key pattern", id: "job_*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, ValidJobID(tc.id))
		})
	}
}
