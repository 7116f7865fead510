package template

import (
	"context"
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
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/failure"
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
	return &Store{rdb: rdb, limits: limits, log: log, files: map[string]*fileTemplate{}, bad: map[string]time.Time{}}
}

func tplKey(keyID, id string) string { return "strata:tpl:" + keyID + ":" + id }
func listKey(keyID string) string    { return "strata:tpls:" + keyID }

var putScript = redis.NewScript(`
local n = redis.call('HINCRBY', KEYS[1], 'latest', 1)
redis.call('HSET', KEYS[1], 'v:' .. n, ARGV[1], 't:' .. n, ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return n`)

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
	n, err := putScript.Run(ctx, s.rdb, []string{tplKey(keyID, id), listKey(keyID)}, body, now.Unix(), id).Int()
	if err != nil {
		return nil, failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
	}
	return &Stored{ID: id, Version: n, Source: "api", CreatedAt: now, Template: t}, nil
}

// Get returns version (0: the latest) of template id as keyID sees it,
// or a 404.
func (s *Store) Get(ctx context.Context, keyID, id string, version int) (*Stored, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	key := tplKey(keyID, id)
	n := version
	if n == 0 {
		latest, err := s.rdb.HGet(ctx, key, "latest").Int()
		if errors.Is(err, redis.Nil) {
			return s.file(id, version)
		}
		if err != nil {
			return nil, failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
		}
		n = latest
	}
	vals, err := s.rdb.HMGet(ctx, key, "v:"+strconv.Itoa(n), "t:"+strconv.Itoa(n)).Result()
	if err != nil {
		return nil, failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
	}
	body, _ := vals[0].(string)
	if body == "" {
		if version > 0 {
			if _, err := s.rdb.HGet(ctx, key, "latest").Result(); err == nil {
				return nil, failure.New(failure.NotFound, "Template %q has no version %d.", id, version)
			}
		}
		return s.file(id, version)
	}
	t, err := Parse([]byte(body), s.limits)
	if err != nil {
		// Stored versions were valid when stored; limits may have shrunk.
		return nil, failure.Wrap(failure.Unprocessable, err, "Version %d of template %q is no longer valid under this server's limits: %s", n, id, failure.As(err).PublicMessage())
	}
	ts, _ := strconv.ParseInt(fmt.Sprint(vals[1]), 10, 64)
	return &Stored{ID: id, Version: n, Source: "api", CreatedAt: time.Unix(ts, 0).UTC(), Template: t}, nil
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
		return nil, failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
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
	if err != nil {
		return failure.Wrap(failure.Unavailable, err, "The template store (Redis) is unreachable; retry shortly.")
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
		s.files[id] = &fileTemplate{stored: Stored{ID: id, Source: "file", CreatedAt: info.ModTime().UTC(), Template: t}, modTime: info.ModTime(), size: info.Size()}
		s.mu.Unlock()
		s.log.Info("template file loaded", "path", p, "template_id", id)
	}
	s.mu.Lock()
	for id := range s.files {
		if !present[id] {
			delete(s.files, id)
		}
	}
	s.mu.Unlock()
}
