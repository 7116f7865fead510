package template

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/lru"
	"github.com/strata-render/strata/pkg/schema"
)

// idPattern is what a template_id may be: no path separators, dots or
// spaces, so it is safe as a Redis key part and a file name.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// CheckID returns a 400 unless id is a valid template_id (1–64 letters,
// digits, '-' and '_', starting with a letter or digit).
func CheckID(id string) error {
	if idPattern.MatchString(id) {
		return nil
	}
	return schema.Problems([]failure.Detail{{Path: "template_id",
		Message: fmt.Sprintf("must be 1 to 64 letters, digits, '-' or '_', starting with a letter or digit (got %q)", truncate(id, 70))}})
}

// Stored is one version of a template.
type Stored struct {
	ID string
	// Version is 1, 2, … for API templates; 0 for a file template, whose
	// version is its file (Digest tells its contents apart).
	Version   int
	Source    string // "api" or "file"
	CreatedAt time.Time
	Template  *Template
}

// Store keeps API templates in Redis, per API key, and serves the
// read-only file templates of a directory to every key. An API key's
// own template shadows a file template of the same id.
type Store struct {
	rdb    *redis.Client
	limits schema.Limits
	log    *slog.Logger

	// parsed memoizes Parse by the body's digest: a render of a stored
	// version reads a digest, not the body, and parses nothing.
	parsed *lru.Cache[string, *Template]
	// recent holds what Get answered in the last Freshness; gen moves on
	// every change this process makes or sees, voiding it.
	recent *lru.Cache[recentKey, recent]
	gen    atomic.Uint64
	now    func() time.Time // time.Now; tests move it

	dir   string
	mu    sync.RWMutex
	files map[string]*fileTemplate
	bad   map[string]time.Time // path → mtime of a bad file already reported
}

type fileTemplate struct {
	stored  Stored
	modTime time.Time
	size    int64
}

// NewStore returns a store over rdb (the queue's Redis: templates must
// never be evicted).
func NewStore(rdb *redis.Client, limits schema.Limits, log *slog.Logger) *Store {
	if log == nil {
		log = slog.Default()
	}
	return &Store{rdb: rdb, limits: limits, log: log, files: map[string]*fileTemplate{}, bad: map[string]time.Time{},
		parsed: lru.New[string, *Template](parseMemoBytes, func(t *Template) int64 { return 4*int64(len(t.Body)) + 4096 }),
		recent: lru.New[recentKey, recent](4096, nil), now: time.Now}
}

func tplKey(keyID, id string) string { return "strata:tpl:" + keyID + ":" + id }
func listKey(keyID string) string    { return "strata:tpls:" + keyID }

// A version n is the fields v:n (the body), t:n (Unix seconds) and d:n
// (the body's digest, Template.Digest).
var putScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], 'latest', 1)
redis.call('HSET', KEYS[1], 'v:' .. n, ARGV[1], 't:' .. n, ARGV[2], 'd:' .. n, ARGV[4])
redis.call('SADD', KEYS[2], ARGV[3])
return n`)

// getScript finds version ARGV[1] (0: the latest) in one round trip:
// {n, t:n, d:n, latest}, or {} when the template does not exist. The body
// is read only when the digest is not in the store's parse memo.
var getScript = redis.NewScript(`
local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return {} end
local n = ARGV[1]
if n == '0' then n = latest end
local t = redis.call('HGET', KEYS[1], 't:' .. n)
if not t then return {n, false, false, latest} end
return {n, t, redis.call('HGET', KEYS[1], 'd:' .. n) or '', latest}`)

// Put validates body and stores it as the next version of keyID's
// template id (1 for a new one).
func (s *Store) Put(ctx context.Context, keyID, id string, body []byte) (*Stored, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	t, err := Parse(body, s.limits)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	n, err := putScript.Run(ctx, s.rdb, []string{tplKey(keyID, id), listKey(keyID)}, body, now.Unix(), id, t.Digest).Int()
	if err != nil {
		return nil, unreachable(err)
	}
	s.parsed.Put(t.Digest, t)
	s.gen.Add(1)
	return &Stored{ID: id, Version: n, Source: "api", CreatedAt: now, Template: t}, nil
}

// parseMemoBytes bounds the parse memo (its cost counts a parsed
// template as four times its body).
const parseMemoBytes = 64 << 20

// Freshness is how long a process answers a template it has just read
// without asking Redis again: a PUT or DELETE made through another API
// process is seen within it (this process's own at once).
const Freshness = time.Second

type recentKey struct {
	keyID, id string
	version   int
}

type recent struct {
	stored Stored
	at     time.Time
	gen    uint64
}

// Get returns version (0: the latest) of template id as keyID sees it,
// or a 404.
func (s *Store) Get(ctx context.Context, keyID, id string, version int) (*Stored, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	k, gen := recentKey{keyID, id, version}, s.gen.Load()
	if r, ok := s.recent.Get(k); ok && r.gen == gen && s.now().Sub(r.at) < Freshness {
		st := r.stored
		return &st, nil
	}
	st, err := s.load(ctx, keyID, id, version)
	if err == nil {
		s.recent.Put(k, recent{stored: *st, at: s.now(), gen: gen})
	}
	return st, err
}

func (s *Store) load(ctx context.Context, keyID, id string, version int) (*Stored, error) {
	key := tplKey(keyID, id)
	vals, err := getScript.Run(ctx, s.rdb, []string{key}, version).Slice()
	if err != nil {
		return nil, unreachable(err)
	}
	if len(vals) == 0 {
		return s.file(id, version)
	}
	nStr, _ := vals[0].(string)
	ts, _ := vals[1].(string)
	if ts == "" {
		return nil, failure.New(failure.NotFound, "Template %q has no version %d.", id, version)
	}
	n, _ := strconv.Atoi(nStr)
	digest, _ := vals[2].(string)
	t, ok := s.parsed.Get(digest)
	if !ok {
		body, err := s.rdb.HGet(ctx, key, "v:"+nStr).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil, failure.New(failure.NotFound, "No template %q.", id) // deleted in between
		}
		if err != nil {
			return nil, unreachable(err)
		}
		if digest == "" {
			// Stored before versions kept their digest: add it.
			sum := sha256.Sum256(body)
			digest = hex.EncodeToString(sum[:])
			s.rdb.HSetNX(ctx, key, "d:"+nStr, digest)
		}
		if t, ok = s.parsed.Get(digest); !ok {
			if t, err = Parse(body, s.limits); err != nil {
				// Stored versions were valid when stored; limits may have shrunk.
				return nil, failure.Wrap(failure.Unprocessable, err, "Version %d of template %q is no longer valid under this server's limits: %s", n, id, failure.As(err).PublicMessage())
			}
			s.parsed.Put(t.Digest, t)
		}
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	return &Stored{ID: id, Version: n, Source: "api", CreatedAt: time.Unix(sec, 0).UTC(), Template: t}, nil
}

func unreachable(err error) error {
	return failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
}

func (s *Store) file(id string, version int) (*Stored, error) {
	s.mu.RLock()
	f := s.files[id]
	s.mu.RUnlock()
	switch {
	case f == nil:
		return nil, failure.New(failure.NotFound, "No template %q.", id)
	case version != 0:
		return nil, failure.New(failure.NotFound, "Template %q is a file template (STRATA_TEMPLATES_DIR); its version is its file, so no version can be asked for.", id)
	}
	st := f.stored
	return &st, nil
}

// Summary is one entry of a list of templates.
type Summary struct {
	ID      string `json:"template_id"`
	Version int    `json:"version"`
	Source  string `json:"source"`
}

// List returns keyID's templates and the file templates, sorted by id.
func (s *Store) List(ctx context.Context, keyID string) ([]Summary, error) {
	ids, err := s.rdb.SMembers(ctx, listKey(keyID)).Result()
	if err != nil {
		return nil, unreachable(err)
	}
	out := []Summary{}
	seen := map[string]bool{}
	for _, id := range ids {
		n, err := s.rdb.HGet(ctx, tplKey(keyID, id), "latest").Int()
		if err == nil {
			out = append(out, Summary{ID: id, Version: n, Source: "api"})
			seen[id] = true
		}
	}
	s.mu.RLock()
	for id := range s.files {
		if !seen[id] {
			out = append(out, Summary{ID: id, Source: "file"})
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Delete removes every version of keyID's template id, or answers 404.
// File templates are deleted by removing their file.
func (s *Store) Delete(ctx context.Context, keyID, id string) error {
	if err := CheckID(id); err != nil {
		return err
	}
	n, err := s.rdb.Del(ctx, tplKey(keyID, id)).Result()
	s.gen.Add(1)
	if err != nil {
		return unreachable(err)
	}
	s.rdb.SRem(ctx, listKey(keyID), id)
	if n == 0 {
		if _, err := s.file(id, 0); err == nil {
			return failure.New(failure.Invalid, "Template %q is a file template; remove its file from STRATA_TEMPLATES_DIR to delete it.", id)
		}
		return failure.New(failure.NotFound, "No template %q.", id)
	}
	return nil
}

// WatchDir loads dir's *.json files as file templates (the file name
// without .json is the id) and reloads them every interval until ctx
// ends. A bad file is logged with its path and never replaces the
// version last loaded from it. Polling, not inotify: it also sees
// changes on bind mounts and Kubernetes ConfigMap symlink swaps.
func (s *Store) WatchDir(ctx context.Context, dir string, interval time.Duration) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("STRATA_TEMPLATES_DIR: %w", err)
	}
	s.dir = dir
	s.Reload()
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.Reload()
			}
		}
	}()
	return nil
}

// Reload reads the directory once: new and changed files are parsed,
// files gone are dropped, bad files keep their last good version.
func (s *Store) Reload() {
	paths, _ := filepath.Glob(filepath.Join(s.dir, "*.json"))
	present := map[string]bool{}
	for _, p := range paths {
		id := strings.TrimSuffix(filepath.Base(p), ".json")
		if CheckID(id) != nil {
			s.log.Error("template file skipped: its name is not a valid template_id", "path", p)
			continue
		}
		present[id] = true
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		s.mu.RLock()
		old := s.files[id]
		s.mu.RUnlock()
		if old != nil && old.modTime.Equal(info.ModTime()) && old.size == info.Size() {
			continue
		}
		if t, seen := s.bad[p]; seen && t.Equal(info.ModTime()) {
			continue // reported once already
		}
		body, err := os.ReadFile(p)
		var t *Template
		if err == nil {
			if int64(len(body)) > s.limits.MaxBodyBytes {
				err = fmt.Errorf("%d bytes, over the %d-byte body limit", len(body), s.limits.MaxBodyBytes)
			} else if t, err = Parse(body, s.limits); err != nil {
				err = errors.New(failure.As(err).PublicMessage())
			}
		}
		if err != nil {
			s.log.Error("template file not loaded; the last good version stays", "path", p, "error", err.Error())
			s.bad[p] = info.ModTime()
			if old != nil {
				// Remember the bad state so it is reported once, not every poll.
				s.mu.Lock()
				old.modTime, old.size = info.ModTime(), info.Size()
				s.mu.Unlock()
			}
			continue
		}
		delete(s.bad, p)
		s.mu.Lock()
		s.gen.Add(1)
		s.files[id] = &fileTemplate{stored: Stored{ID: id, Source: "file", CreatedAt: info.ModTime().UTC(), Template: t}, modTime: info.ModTime(), size: info.Size()}
		s.mu.Unlock()
		s.log.Info("template file loaded", "path", p, "template_id", id)
	}
	s.mu.Lock()
	for id := range s.files {
		if !present[id] {
			delete(s.files, id)
			s.gen.Add(1)
		}
	}
	s.mu.Unlock()
}
