package rendercache

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// replyless stores entries in the shared Redis over a connection of its
// own on which Redis sends no replies (CLIENT REPLY OFF): a store is one
// write system call, with no reply to wait for, read or parse and no
// wake-up of this process when Redis has it. That is what a store can
// be, since its outcome changes nothing: a cache that fails to store
// only costs a render, and the lock the entry replaces expires after
// LockTTL. A failed write closes the connection; the next store dials
// again. sync is the one round trip, for Flush.
type replyless struct {
	opt *redis.Options
	mu  sync.Mutex
	cn  net.Conn
	rd  *bufio.Reader
	buf []byte // the commands written next
	ent []byte // the entry being stored, encoded
}

func newReplyless(rdb *redis.Client) *replyless { return &replyless{opt: rdb.Options()} }

// errNoReplyless: the connection could not be set up; the caller stores
// through the client instead.
var errNoReplyless = errors.New("rendercache: no reply-less connection")

// set writes SET key <e encoded> PX ttl, the entry laid out straight
// into the connection's reused buffer.
func (w *replyless) set(ctx context.Context, key string, e entry, ttl time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.connect(ctx); err != nil {
		return err
	}
	b := append(w.buf[:0], "*5\r\n"...)
	b = appendBulk(b, "SET")
	b = appendBulk(b, key)
	w.ent = appendEntry(w.ent[:0], e)
	b = appendBulk(b, w.ent)
	b = appendBulk(b, "PX")
	w.buf = appendBulk(b, strconv.FormatInt(max(ttl.Milliseconds(), 1), 10))
	return w.write()
}

// sync returns once Redis has run every store written before it: replies
// on, a PING answered, replies off again.
func (w *replyless) sync(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cn == nil {
		return nil // nothing written since the last failure or sync
	}
	w.buf = appendCommand(appendCommand(w.buf[:0], "CLIENT", "REPLY", "ON"), "PING")
	w.buf = appendCommand(w.buf, "CLIENT", "REPLY", "OFF")
	if err := w.write(); err != nil {
		return err
	}
	return w.expect("+OK", "+PONG")
}

func (w *replyless) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.drop()
}

func (w *replyless) drop() {
	if w.cn != nil {
		w.cn.Close()
		w.cn = nil
	}
}

func (w *replyless) write() error {
	if wt := w.opt.WriteTimeout; wt > 0 {
		w.cn.SetWriteDeadline(time.Now().Add(wt))
	}
	if _, err := w.cn.Write(w.buf); err != nil {
		w.drop()
		return err
	}
	return nil
}

// connect dials and logs in (AUTH, SELECT) as the client would, then
// turns replies off.
func (w *replyless) connect(ctx context.Context) error {
	if w.cn != nil {
		return nil
	}
	cn, err := w.opt.Dialer(ctx, w.opt.Network, w.opt.Addr)
	if err != nil {
		return fmt.Errorf("%w: %v", errNoReplyless, err)
	}
	w.cn, w.rd = cn, bufio.NewReaderSize(cn, 512)
	var want []string
	w.buf = w.buf[:0]
	if w.opt.Password != "" {
		if w.opt.Username != "" {
			w.buf = appendCommand(w.buf, "AUTH", w.opt.Username, w.opt.Password)
		} else {
			w.buf = appendCommand(w.buf, "AUTH", w.opt.Password)
		}
		want = append(want, "+OK")
	}
	if w.opt.DB != 0 {
		w.buf = appendCommand(w.buf, "SELECT", strconv.Itoa(w.opt.DB))
		want = append(want, "+OK")
	}
	w.buf = appendCommand(w.buf, "CLIENT", "REPLY", "OFF")
	if err := w.write(); err != nil {
		return fmt.Errorf("%w: %v", errNoReplyless, err)
	}
	if err := w.expect(want...); err != nil {
		return fmt.Errorf("%w: %v", errNoReplyless, err)
	}
	return nil
}

// expect reads one reply line per want and checks it.
func (w *replyless) expect(want ...string) error {
	rt := w.opt.ReadTimeout
	if rt <= 0 {
		rt = 3 * time.Second
	}
	w.cn.SetReadDeadline(time.Now().Add(rt))
	for _, s := range want {
		line, err := w.rd.ReadString('\n')
		if err != nil || len(line) < 2 || line[:len(line)-2] != s {
			w.drop()
			if err == nil {
				err = fmt.Errorf("redis answered %q, want %q", line, s)
			}
			return err
		}
	}
	return nil
}

// appendCommand appends a command in RESP: an array of bulk strings.
func appendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = appendBulk(b, a)
	}
	return b
}

func appendBulk[T string | []byte](b []byte, a T) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(a)), 10)
	b = append(b, "\r\n"...)
	b = append(b, a...)
	return append(b, "\r\n"...)
}
