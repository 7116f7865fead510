package warning

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCollectorKeepsEachWarningOnceAndCapsTheList(t *testing.T) {
	t.Parallel()
	var nilC *Collector
	nilC.Add("layers[0]", Codes[0], "ignored") // a nil collector does nothing
	require.Nil(t, nilC.List())

	c := &Collector{}
	c.Add("layers[0].text", Codes[0], "same %d", 1)
	c.Add("layers[0].text", Codes[0], "same %d", 1)
	require.Len(t, c.List(), 1)
	for i := range MaxWarnings + 10 {
		c.Add("layers["+strconv.Itoa(i+1)+"]", Codes[0], "w")
	}
	require.Len(t, c.List(), MaxWarnings)
	require.Equal(t, 11, c.Dropped())
	require.Same(t, c, From(NewContext(context.Background(), c)))
	require.Nil(t, From(context.Background()))
}

func TestSetHeaderIsASCIIJSONWithinItsCap(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	SetHeader(h, nil)
	require.Empty(t, h.Get(HeaderName), "no warnings, no header")

	var ws []Warning
	for i := range 200 {
		ws = append(ws, Warning{Path: "layers[" + strconv.Itoa(i) + "].text", Code: Codes[0], Message: "Zeichen “ü” fehlt"})
	}
	SetHeader(h, ws)
	v := h.Get(HeaderName)
	require.NotEmpty(t, v)
	require.LessOrEqual(t, len(v), MaxHeaderBytes)
	for _, b := range []byte(v) {
		require.Less(t, b, byte(0x80), "header values are ASCII")
	}
	var got []Warning
	require.NoError(t, json.Unmarshal([]byte(v), &got))
	require.NotEmpty(t, got)
	require.Less(t, len(got), len(ws), "whole warnings from the front, within the cap")
	require.Equal(t, ws[0], got[0], "the escaped message reads back exactly")
	require.Equal(t, "200", h.Get(CountHeaderName))
}
