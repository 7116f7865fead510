// Command strata renders requests locally with the same engine as the API,
// no server needed:
//
//	strata render request.json -o out.png   (- for stdin/stdout; --watch re-renders on change)
//	strata validate request.json
//	strata sign-url --key KEY --template ID [--version N] [--expires 1h] [--format png] name.field=value…
//
// Errors are the API's: the same sentence and the same JSON paths.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/imageurl"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/vips"
	"github.com/strata-render/strata/pkg/warning"
)

const usage = `usage:
  strata render REQUEST.json [-o OUT] [--watch]   render locally (REQUEST or OUT may be -)
  strata validate REQUEST.json                     check a request: errors, then the render report's warnings
  strata sign-url --key KEY --template ID [--version N] [--expires 1h] [--format png] name.field=value...
                                                   print a signed template image path and query
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	vips.Shutdown()
	os.Exit(code)
}

// run is the whole CLI; it returns the exit code (0 ok, 1 request error,
// 2 usage or setup error).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if cmd == "sign-url" {
		return signURL(rest, stdout, stderr)
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file (- for stdout; default: REQUEST with the format's extension)")
	watch := fs.Bool("watch", false, "re-render whenever REQUEST changes")
	if err := fs.Parse(reorder(rest)); err != nil || fs.NArg() != 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg, err := config.LoadConfigFromEnv()
	if err != nil {
		fmt.Fprintf(stderr, "strata: bad configuration:\n%v\n", err)
		return 2
	}
	in := fs.Arg(0)
	switch cmd {
	case "validate":
		body, err := readInput(in, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "strata: %v\n", err)
			return 2
		}
		req, err := schema.Decode(body, cfg.Limits)
		if err == nil {
			err = render.CheckCodeBoxes(req)
		}
		if err != nil {
			return report(stderr, err)
		}
		// The render report needs a render: draw it (and drop the image)
		// when the engine can start, else say what was not checked.
		eng, err := engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			fmt.Fprintln(stdout, "valid")
			fmt.Fprintf(stderr, "note: not rendered, so no warnings were looked for (%v)\n", err)
			return 0
		}
		defer eng.Close()
		res, err := core.RenderWithin(ctx, eng.Renderer, req, cfg.Limits.RenderTimeout)
		if err != nil {
			return report(stderr, err)
		}
		fmt.Fprintln(stdout, "valid")
		printWarnings(stderr, res.Warnings)
		return 0
	case "render":
		eng, err := engine.New(cfg, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		if err != nil {
			fmt.Fprintf(stderr, "strata: %v\n", err)
			return 2
		}
		defer eng.Close()
		if !*watch {
			return renderOnce(ctx, eng, cfg, in, *out, stdin, stdout, stderr)
		}
		return renderWatch(ctx, eng, cfg, in, *out, stderr)
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// reorder moves flags after the positional argument to the front, so
// "render req.json -o out.png" works as well as "render -o out.png req.json".
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if a == "-o" && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func renderOnce(ctx context.Context, eng *engine.Engine, cfg config.Config, in, out string, stdin io.Reader, stdout, stderr io.Writer) int {
	body, err := readInput(in, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "strata: %v\n", err)
		return 2
	}
	req, err := schema.Decode(body, cfg.Limits)
	if err != nil {
		return report(stderr, err)
	}
	res, err := core.RenderWithin(ctx, eng.Renderer, req, cfg.Limits.RenderTimeout)
	if err != nil {
		return report(stderr, err)
	}
	if out == "" {
		out = in + "." + string(req.OutputFormat)
		if in == "-" {
			out = "-"
		}
	}
	if out == "-" {
		_, err = stdout.Write(res.Data)
	} else {
		err = os.WriteFile(out, res.Data, 0o644)
		if err == nil {
			fmt.Fprintf(stderr, "wrote %s (%dx%d %s, %d bytes)\n", out, res.Width, res.Height, res.MimeType, len(res.Data))
		}
	}
	printWarnings(stderr, res.Warnings)
	if err != nil {
		fmt.Fprintf(stderr, "strata: %v\n", err)
		return 2
	}
	return 0
}

// renderWatch re-renders whenever the request file's modification time
// changes, until interrupted.
func renderWatch(ctx context.Context, eng *engine.Engine, cfg config.Config, in, out string, stderr io.Writer) int {
	if in == "-" || out == "-" {
		fmt.Fprintln(stderr, "strata: --watch needs a request file and an output file")
		return 2
	}
	var last time.Time
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		if st, err := os.Stat(in); err == nil && !st.ModTime().Equal(last) {
			last = st.ModTime()
			renderOnce(ctx, eng, cfg, in, out, nil, nil, stderr)
		}
		select {
		case <-ctx.Done():
			return 0
		case <-tick.C:
		}
	}
}

// printWarnings prints the render report, one warning a line: the path,
// the sentence and the code, as JSON after "warning: " for scripts.
func printWarnings(w io.Writer, ws []warning.Warning) {
	for _, x := range ws {
		line, _ := json.Marshal(x)
		fmt.Fprintf(w, "warning: %s: %s\n  %s\n", x.Path, x.Message, line)
	}
}

// report prints an error as the API would send it: the sentence, then each
// problem with its path, as JSON lines a script can read.
func report(w io.Writer, err error) int {
	fe := failure.As(err)
	fmt.Fprintf(w, "error: %s\n", fe.PublicMessage())
	for _, d := range fe.Details {
		line, _ := json.Marshal(d)
		fmt.Fprintf(w, "  %s\n", line)
	}
	return 1
}

// signURL prints a signed template image URL's path and query
// (pkg/imageurl): how users and tests make them.
func signURL(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-url", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "the API key that owns the template (required)")
	id := fs.String("template", "", "the template_id (required)")
	version := fs.Int("version", 0, "pin a version (CDNs may then cache the image forever); 0 follows the latest")
	expires := fs.Duration("expires", 0, "validity from now, e.g. 1h (0: never expires)")
	format := fs.String("format", "png", "png, jpeg, webp, avif or pdf")
	if err := fs.Parse(args); err != nil || *key == "" || *id == "" || *version < 0 || *expires < 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	o := imageurl.Options{Version: *version}
	if *expires > 0 {
		o.Expires = time.Now().Add(*expires)
	}
	u, err := imageurl.Sign(*key, *id, *format, o, fs.Args())
	if err != nil {
		if fe, ok := errors.AsType[*failure.Error](err); ok {
			err = errors.New(fe.PublicMessage())
		}
		fmt.Fprintf(stderr, "strata: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, u)
	return 0
}
