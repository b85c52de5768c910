// formed-jsonnet evaluates one Jsonnet program with go-jsonnet and answers in JSON.
//
// It runs as a child process of the formed CLI, so that no Jsonnet program
// (deep recursion, huge allocations, an engine bug) can take the CLI down with it.
// Request (stdin, JSON):
//
//	{"filename": "...", "code": "..." | null, "extVars": {...}, "extCodes": {...},
//	 "tlaVars": {...}, "tlaCodes": {...}, "jpath": [...], "maxStack": 500,
//	 "locate": ["steps.a.x", ...]}   (optional: find these paths in the source, evaluate nothing)
//
// Response (stdout, JSON), one of:
//
//	{"ok": true, "json": "<manifested JSON>"}
//	{"ok": true, "locations": [{"path", "found", "file", "line", "column", ...}, ...]}
//	{"ok": false, "error": "<go-jsonnet error text with file:line:col>"}
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-jsonnet"
)

type request struct {
	Filename string            `json:"filename"`
	Code     *string           `json:"code"`
	ExtVars  map[string]string `json:"extVars"`
	ExtCodes map[string]string `json:"extCodes"`
	TlaVars  map[string]string `json:"tlaVars"`
	TlaCodes map[string]string `json:"tlaCodes"`
	Jpath    []string          `json:"jpath"`
	MaxStack int               `json:"maxStack"`
	// Locate: config paths to find in the source instead of evaluating (see locate.go).
	Locate []string `json:"locate"`
}

type response struct {
	Ok    bool   `json:"ok"`
	JSON  string `json:"json,omitempty"`
	Error string `json:"error,omitempty"`
	// Locations: the answer to a request with "locate", one per path.
	Locations []location `json:"locations,omitempty"`
}

func answer(r response) {
	out, _ := json.Marshal(r)
	os.Stdout.Write(out)
}

// bomStrippingImporter drops a UTF-8 byte order mark at the start of Jsonnet and JSON files
// (editors on Windows write one), which go-jsonnet's lexer rejects. importstr/importbin of other
// files get their bytes untouched. The same Contents is returned for the same file each time,
// as go-jsonnet's import cache requires.
type bomStrippingImporter struct {
	inner    *jsonnet.FileImporter
	mainFile string
	stripped map[string]jsonnet.Contents
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

func (i *bomStrippingImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	contents, foundAt, err := i.inner.Import(importedFrom, importedPath)
	if err != nil || !bytes.HasPrefix(contents.Data(), utf8BOM) {
		return contents, foundAt, err
	}
	ext := strings.ToLower(filepath.Ext(foundAt))
	if foundAt != i.mainFile && ext != ".jsonnet" && ext != ".libsonnet" && ext != ".json" {
		return contents, foundAt, nil
	}
	if cached, ok := i.stripped[foundAt]; ok {
		return cached, foundAt, nil
	}
	cached := jsonnet.MakeContentsRaw(contents.Data()[len(utf8BOM):])
	i.stripped[foundAt] = cached
	return cached, foundAt, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--version" {
		fmt.Println(jsonnet.Version())
		return
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		answer(response{Error: "cannot read request: " + err.Error()})
		os.Exit(2)
	}
	var req request
	if err := json.Unmarshal(input, &req); err != nil {
		answer(response{Error: "malformed request: " + err.Error()})
		os.Exit(2)
	}
	vm := jsonnet.MakeVM()
	if req.MaxStack > 0 {
		vm.MaxStack = req.MaxStack
	}
	vm.ErrorFormatter.SetMaxStackTraceSize(20)
	vm.Importer(&bomStrippingImporter{
		inner:    &jsonnet.FileImporter{JPaths: req.Jpath},
		mainFile: req.Filename,
		stripped: map[string]jsonnet.Contents{},
	})
	for k, v := range req.ExtVars {
		vm.ExtVar(k, v)
	}
	for k, v := range req.ExtCodes {
		vm.ExtCode(k, v)
	}
	for k, v := range req.TlaVars {
		vm.TLAVar(k, v)
	}
	for k, v := range req.TlaCodes {
		vm.TLACode(k, v)
	}
	if req.Locate != nil {
		locations, err := locatePaths(vm, req.Filename, req.Code, req.Locate)
		if err != nil {
			answer(response{Error: err.Error()})
			return
		}
		answer(response{Ok: true, Locations: locations})
		return
	}
	var result string
	if req.Code != nil {
		result, err = vm.EvaluateAnonymousSnippet(req.Filename, *req.Code)
	} else {
		// EvaluateFile, not an anonymous snippet of the file's text: only then do relative
		// imports resolve against the file's own directory.
		result, err = vm.EvaluateFile(req.Filename)
	}
	if err != nil {
		answer(response{Error: err.Error()})
		return
	}
	answer(response{Ok: true, JSON: result})
}
