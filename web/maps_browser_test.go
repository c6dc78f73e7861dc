package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/thanhhoa-ntm/ntm/web"
)

// shownMaps is what the browser renders of the maps' section.
type shownMaps struct {
	Styled bool `json:"styled"`
	SVGs   []struct {
		ID, Role, Label, Title string
		Width, Height          float64
		Circles, Markers       int
	} `json:"svgs"`
	Selected string `json:"selected"`
}

const readMaps = `(() => ({
	styled: [...document.styleSheets].some(s => s.href && s.href.endsWith("/static/maps.css") && s.cssRules.length > 0),
	svgs: [...document.querySelectorAll("#maps svg")].map(s => ({
		ID: s.id, Role: s.getAttribute("role"), Label: s.getAttribute("aria-label"),
		Title: s.querySelector(":scope > title") ? s.querySelector(":scope > title").textContent : "",
		Width: s.getBoundingClientRect().width, Height: s.getBoundingClientRect().height,
		Circles: s.querySelectorAll("circle").length,
		Markers: s.querySelectorAll(".site, .area, .unit, .tile").length})),
	selected: document.getElementById("map-indicator").value
}))()`

// TestBrowserMaps loads the dashboard in headless Chromium and checks that the three maps render
// with their accessible names, that the indicator picker works without script, and takes a
// screenshot of the section (kept in $NTM_MAP_SCREENSHOTS when set, for a person to look at).
func TestBrowserMaps(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s not found: install Debian's chromium package to run the browser test", chromium)
		}
		t.Fatalf("CI is set and %s is missing: %v", chromium, err)
	}
	srv := httptest.NewServer(web.New(web.Config{Warehouse: mapsWarehouse(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "chromium-profile")),
		chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.CSS("#maps")))
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "a PNG")
		dir := os.Getenv("NTM_MAP_SCREENSHOTS")
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, "map-"+name+".png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot of the maps (%d bytes): %s", len(png), path)
	}

	for _, c := range []struct {
		name, query, selected string
	}{
		{"vi-2025", "/?period=2025", "inf.households_smartphone"},
		{"en-2024", "/?period=2024&lang=en", "inf.households_smartphone"},
	} {
		_, err := chromedp.Run(bctx, chromedp.Navigate(srv.URL+c.query))
		require.NoError(t, err)
		m, err := chromedp.Run(bctx, chromedp.Evaluate[shownMaps](readMaps))
		require.NoError(t, err)
		assert.True(t, m.Styled, "%s: the maps' stylesheet loads under the CSP", c.name)
		require.Len(t, m.SVGs, 3, c.name)
		for _, s := range m.SVGs {
			assert.Equal(t, "img", s.Role, s.ID)
			assert.NotEmpty(t, s.Label, "%s has an aria-label", s.ID)
			assert.NotEmpty(t, s.Title, "%s has a <title>", s.ID)
			assert.Greater(t, s.Width, 300.0, "%s is drawn", s.ID)
			assert.Greater(t, s.Height, 300.0, "%s is drawn", s.ID)
			assert.Positive(t, s.Markers, "%s has markers", s.ID)
		}
		assert.Positive(t, m.SVGs[0].Circles+m.SVGs[1].Circles, "circles on the point maps")
		assert.Equal(t, c.selected, m.Selected)
		shot(c.name)
	}

	// The indicator picker is a plain form: choosing and submitting navigates with ?map=.
	_, err := chromedp.Run(bctx, chromedp.SetValue(chromedp.CSS("#map-indicator"), "gov.commune_ntm_8_4"))
	require.NoError(t, err)
	_, err = chromedp.Run(bctx, chromedp.Click(chromedp.CSS(".map-picker button")))
	require.NoError(t, err)
	// The new page is the one whose server-rendered picker has the indicator selected.
	_, err = chromedp.Run(bctx, chromedp.WaitReady(chromedp.CSS(`#map-indicator option[value="gov.commune_ntm_8_4"][selected]`)))
	require.NoError(t, err)
	loc, err := chromedp.Run(bctx, chromedp.Location())
	require.NoError(t, err)
	assert.Contains(t, loc, "map=gov.commune_ntm_8_4")
	assert.Contains(t, loc, "lang=en")
	assert.Contains(t, loc, "period=2024")
	m, err := chromedp.Run(bctx, chromedp.Evaluate[shownMaps](readMaps))
	require.NoError(t, err)
	assert.Equal(t, "gov.commune_ntm_8_4", m.Selected)
	shot("en-2024-commune-8-4")
}
