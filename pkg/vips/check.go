package vips

// #include <stdlib.h>
// #include "vips.h"
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// operation is a libvips operation Strata calls and what it serves.
type operation struct{ name, serves string }

// required are the loaders and savers Strata calls. libvips' core
// operations (thumbnail, smartcrop, colour conversion) are always built in;
// these come from optional libraries, and HEIF's (libheif) from a module
// that libvips loads at start-up from its module directory.
var required = []operation{
	{"jpegload_buffer", "JPEG image layers"},
	{"pngload_buffer", "PNG image layers"},
	{"webpload_buffer", "WebP image layers"},
	{"gifload_buffer", "GIF image layers"},
	{"tiffload_buffer", "TIFF image layers"},
	{"heifload_buffer", "AVIF/HEIF image layers"},
	{"svgload_buffer", "SVG image layers"},
	{"jpegsave_buffer", "JPEG output"},
	{"webpsave_buffer", "WebP output"},
	{"tiffsave_buffer", "TIFF output"},
	{"gifsave_buffer", "GIF output (cgif)"},
	{"heifsave_buffer", "AVIF output"},
}

var (
	checkOnce sync.Once
	checkErr  error
)

// Check reports whether this libvips has every loader and saver Strata
// calls (required), and if not, which are missing, what they serve and
// where libvips looked for its modules; then whether the AVIF saver
// encodes, since libheif's AV1 encoders are optional (heifsave_buffer
// exists in a libheif built without libaom, and fails on every call).
// The processes call it at start
// (pkg/engine) and refuse to start on an error: a host whose libvips lost
// a module (a wrong VIPSHOME, a missing libvips-heif package) would
// otherwise answer every request for that format with a 500.
func Check() error {
	checkOnce.Do(func() { checkErr = check() })
	return checkErr
}

// has reports whether libvips knows the operation name.
func has(name string) bool {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.strata_has_operation(cs) != 0
}

// check looks every required operation up.
func check() error {
	Start()
	var missing []string
	for _, op := range required {
		if !has(op.name) {
			missing = append(missing, op.name+" ("+op.serves+")")
		}
	}
	if len(missing) == 0 {
		if err := encodes(AVIF, [3]int{50, 0, HEIFEncoderAOM}); err != nil {
			return fmt.Errorf("libvips cannot encode AVIF on this host (%w): install libheif with its AV1 encoder, libaom", err)
		}
		return nil
	}
	dir := fmt.Sprintf("%s/vips-modules-%d.%d", C.GoString(C.strata_module_dir()), C.vips_version(0), C.vips_version(1))
	hint := "reinstall libvips with its modules and the libraries they need (libheif for AVIF/HEIF, cgif for GIF)"
	if home, ok := os.LookupEnv("VIPSHOME"); ok {
		hint = fmt.Sprintf("VIPSHOME=%q sets that directory: unset VIPSHOME, or point it at libvips' install prefix", home)
	}
	return fmt.Errorf("libvips %s lacks %s; it loads its modules from %s: %s",
		C.GoString(C.vips_version_string()), strings.Join(missing, ", "), dir, hint)
}

// encodes saves a 16×16 grey image with s and parameters p, as the
// renderer would, and reports the saver's error.
func encodes(s Saver, p [3]int) error {
	const side = 16
	raw := NewRaw(side * side * 3)
	if raw == nil {
		return errors.New("vips: no memory for the start-up check")
	}
	defer raw.Free()
	for i := range raw.Bytes() {
		raw.Bytes()[i] = 128
	}
	_, err := Save(s, raw, side, side, 3, p)
	return err
}
