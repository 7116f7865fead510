package template

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/schema"
)

const storeDB = 14

func titled(text string) string {
	return strings.Replace(card, `"text": "Hello"`, `"text": "`+text+`"`, 1)
}

func TestStoreVersionsAndKeyIsolation(t *testing.T) {
	rdb := redistest.Client(t, storeDB)
	s := NewStore(rdb, schema.DefaultLimits(), slog.New(slog.DiscardHandler))
	ctx := context.Background()

	v1, err := s.Put(ctx, "key_a", "card", []byte(titled("one")))
	require.NoError(t, err)
	require.Equal(t, 1, v1.Version)
	v2, err := s.Put(ctx, "key_a", "card", []byte(titled("two")))
	require.NoError(t, err)
	require.Equal(t, 2, v2.Version)

	latest, err := s.Get(ctx, "key_a", "card", 0)
	require.NoError(t, err)
	require.Equal(t, 2, latest.Version)
	require.Contains(t, string(latest.Template.Body), `"two"`)
	first, err := s.Get(ctx, "key_a", "card", 1)
	require.NoError(t, err)
	require.Contains(t, string(first.Template.Body), `"one"`)
	_, err = s.Get(ctx, "key_a", "card", 3)
	require.Equal(t, failure.NotFound, failure.KindOf(err))

	// Another key sees nothing of key_a's.
	_, err = s.Get(ctx, "key_b", "card", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
	_, err = s.Get(ctx, "key_b", "card", 1)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
	list, err := s.List(ctx, "key_b")
	require.NoError(t, err)
	require.Empty(t, list)
	require.Equal(t, failure.NotFound, failure.KindOf(s.Delete(ctx, "key_b", "card")))

	list, err = s.List(ctx, "key_a")
	require.NoError(t, err)
	require.Equal(t, []Summary{{ID: "card", Version: 2, Source: "api"}}, list)

	// A stored version is parsed once per process (the memo is keyed by
	// the body's digest, which Redis keeps beside it).
	again, err := s.Get(ctx, "key_a", "card", 1)
	require.NoError(t, err)
	require.Same(t, first.Template, again.Template)

	require.NoError(t, s.Delete(ctx, "key_a", "card"))
	_, err = s.Get(ctx, "key_a", "card", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
	_, err = s.Get(ctx, "key_a", "card", 1)
	require.Equal(t, failure.NotFound, failure.KindOf(err), "a deleted version is gone, memo or not")
	// Put again after a delete: version 1 again, with the new contents.
	_, err = s.Put(ctx, "key_a", "card", []byte(titled("three")))
	require.NoError(t, err)
	fresh, err := s.Get(ctx, "key_a", "card", 1)
	require.NoError(t, err)
	require.Contains(t, string(fresh.Template.Body), `"three"`)
	require.NoError(t, s.Delete(ctx, "key_a", "card"))

	// An invalid template is refused and stores nothing.
	_, err = s.Put(ctx, "key_a", "bad", []byte(`{"dimensions":{"width":1,"height":1},"layers":[]}`))
	require.Equal(t, failure.Invalid, failure.KindOf(err))
	_, err = s.Get(ctx, "key_a", "bad", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
}

// Two stores stand for two API processes: a change made through one is
// seen by the other within Freshness, and by the one that made it at once.
func TestChangesReachOtherProcessesWithinFreshness(t *testing.T) {
	rdb := redistest.Client(t, storeDB+1)
	a := NewStore(rdb, schema.DefaultLimits(), slog.New(slog.DiscardHandler))
	b := NewStore(rdb, schema.DefaultLimits(), slog.New(slog.DiscardHandler))
	clock := time.Now()
	b.now = func() time.Time { return clock }
	ctx := context.Background()
	_, err := a.Put(ctx, "key_a", "card", []byte(titled("one")))
	require.NoError(t, err)
	got, err := b.Get(ctx, "key_a", "card", 0)
	require.NoError(t, err)
	require.Equal(t, 1, got.Version)

	_, err = a.Put(ctx, "key_a", "card", []byte(titled("two")))
	require.NoError(t, err)
	got, err = a.Get(ctx, "key_a", "card", 0)
	require.NoError(t, err)
	require.Equal(t, 2, got.Version, "the process that changed it sees it at once")
	got, err = b.Get(ctx, "key_a", "card", 0)
	require.NoError(t, err)
	require.Equal(t, 1, got.Version, "inside the window the other answers what it read")
	clock = clock.Add(Freshness)
	got, err = b.Get(ctx, "key_a", "card", 0)
	require.NoError(t, err)
	require.Equal(t, 2, got.Version)

	require.NoError(t, a.Delete(ctx, "key_a", "card"))
	clock = clock.Add(Freshness)
	_, err = b.Get(ctx, "key_a", "card", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
}

func TestCheckID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"og-card_2", true}, {"A", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"../etc", false}, {"a/b", false},
		{".hidden", false}, {"a.json", false}, {"-x", false}, {"a b", false}, {"a:b", false}, {"é", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			err := CheckID(tc.id)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Equal(t, "template_id", failure.As(err).Details[0].Path)
		})
	}
}

func TestFileTemplatesReloadAndABrokenFileKeepsTheOldVersion(t *testing.T) {
	rdb := redistest.Client(t, storeDB+1)
	dir := t.TempDir()
	path := filepath.Join(dir, "og.json")
	require.NoError(t, os.WriteFile(path, []byte(titled("first")), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"dimensions":`), 0o644))
	var logs bytes.Buffer
	s := NewStore(rdb, schema.DefaultLimits(), slog.New(slog.NewJSONHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, s.WatchDir(ctx, dir, time.Hour)) // reloads driven by hand below
	ctx = context.Background()

	got, err := s.Get(ctx, "key_any", "og", 0)
	require.NoError(t, err)
	require.Equal(t, "file", got.Source)
	require.Contains(t, string(got.Template.Body), "first")
	_, err = s.Get(ctx, "key_any", "broken", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err), "a bad file is never served")
	require.Contains(t, logs.String(), filepath.Join(dir, "broken.json"), "the bad file is reported with its path")
	_, err = s.Get(ctx, "key_any", "og", 1)
	require.Equal(t, failure.NotFound, failure.KindOf(err), "file templates have no numbered versions")

	// A change is picked up.
	require.NoError(t, os.WriteFile(path, []byte(titled("second")), 0o644))
	require.NoError(t, os.Chtimes(path, time.Now().Add(time.Second), time.Now().Add(time.Second)))
	s.Reload()
	got, err = s.Get(ctx, "key_any", "og", 0)
	require.NoError(t, err)
	require.Contains(t, string(got.Template.Body), "second")

	// A broken edit keeps the last good version.
	require.NoError(t, os.WriteFile(path, []byte(`{"dimensions":{"width":1}}`), 0o644))
	require.NoError(t, os.Chtimes(path, time.Now().Add(2*time.Second), time.Now().Add(2*time.Second)))
	s.Reload()
	got, err = s.Get(ctx, "key_any", "og", 0)
	require.NoError(t, err)
	require.Contains(t, string(got.Template.Body), "second")

	// The key's own template shadows the file; removing the file drops it.
	_, err = s.Put(ctx, "key_mine", "og", []byte(titled("mine")))
	require.NoError(t, err)
	got, err = s.Get(ctx, "key_mine", "og", 0)
	require.NoError(t, err)
	require.Contains(t, string(got.Template.Body), "mine")
	require.NoError(t, os.Remove(path))
	s.Reload()
	_, err = s.Get(ctx, "key_any", "og", 0)
	require.Equal(t, failure.NotFound, failure.KindOf(err))
}
