package schema

import "fmt"

// FormatBytes writes a size limit or a file size for an error message,
// never rounding a limit into something it is not: whole megabytes or
// kilobytes as "20 MB" or "512 KB" (and "1.5 MB"), other sizes under a
// megabyte in bytes, larger ones to a tenth of a megabyte followed by the
// exact count.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20 && n%(1<<19) == 0:
		return fmt.Sprintf("%d.5 MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB (%d bytes)", float64(n)/(1<<20), n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}

}
