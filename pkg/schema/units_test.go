package schema

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormatBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int64
		want string
	}{
		{name: "whole megabytes", n: 20 << 20, want: "20 MB"},
		{name: "half megabytes", n: 3 << 19, want: "1.5 MB"},
		{name: "other megabytes keep the exact count", n: 5_000_000, want: "4.8 MB (5000000 bytes)"},
		{name: "whole kilobytes", n: 512 << 10, want: "512 KB"},
		{name: "under a megabyte, not whole kilobytes", n: 5000, want: "5000 bytes"},
		{name: "bytes", n: 1000, want: "1000 bytes"},
		{name: "zero", n: 0, want: "0 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, FormatBytes(tt.n))
		})
	}
}
