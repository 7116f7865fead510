// Package failure is the one error family of Strata. Every error that can
// reach a client carries a Kind, which the API maps to an HTTP status through
// a single table, and a public message that is safe to show. Internal causes
// are kept for logs and never reach a response body.
package failure

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the client can do about it.
type Kind int

// The kinds, one per HTTP status the API answers with.
const (
	// Internal is a bug; its message is never shown to clients.
	Internal Kind = iota
	// Invalid is a malformed or contract-violating request (400).
	Invalid
	// Unauthorized is a missing or unknown API key (401).
	Unauthorized
	// NotFound is an unknown route or resource (404).
	NotFound
	// TooLarge is a body, file or font over its size limit (413).
	TooLarge
	// Unprocessable is a valid request that cannot be rendered (422).
	Unprocessable
	// RateLimited is a client over its request budget (429).
	RateLimited
	// Unavailable is a dependency that is down or a server at capacity (503).
	Unavailable
	// MethodNotAllowed is a known path asked with the wrong method (405).
	MethodNotAllowed
	// Forbidden is a credential that is present but refused, such as a
	// signed URL whose signature does not match (403).
	Forbidden
)

// String names the kind for logs and metrics labels.
func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthorized:
		return "unauthorized"
	case NotFound:
		return "not_found"
	case TooLarge:
		return "too_large"
	case Unprocessable:
		return "unprocessable"
	case RateLimited:
		return "rate_limited"
	case Unavailable:
		return "unavailable"
	case MethodNotAllowed:
		return "method_not_allowed"
	case Forbidden:
		return "forbidden"
	default:
		return "internal"
	}
}

// Detail is one problem found in a request, located by its JSON path.
type Detail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is an error with a kind, a public message and optional details.
type Error struct {
	Kind    Kind
	Message string
	Details []Detail
	Cause   error
}

// Error returns the public message followed by the internal cause, if any.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// PublicMessage is the sentence shown to clients. Internal errors get a
// fixed sentence so no internal detail leaks.
func (e *Error) PublicMessage() string {
	if e.Kind == Internal {
		return "Internal server error."
	}
	return e.Message
}

// New returns an error of the given kind with a public message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of the given kind with a public message and an
// internal cause kept for logs.
func Wrap(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// KindOf returns the kind of err, or Internal when err carries none.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return Internal
}

// As returns err as an *Error, wrapping unknown errors as Internal.
func As(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return &Error{Kind: Internal, Message: "internal error", Cause: err}
}
