// formed-jsonnet evaluates one Jsonnet program with go-jsonnet and answers in JSON.
//
// It runs as a child process of the formed CLI, so that no Jsonnet program
// (deep recursion, huge allocations, an engine bug) can take the CLI down with it.
// Request (stdin, JSON):
//
//	{"filename": "...", "code": "..." | null, "extVars": {...}, "extCodes": {...},
//	 "tlaVars": {...}, "tlaCodes": {...}, "jpath": [...], "maxStack": 500}
//
// Response (stdout, JSON), one of:
//
//	{"ok": true, "json": "<manifested JSON>"}
//	{"ok": false, "error": "<go-jsonnet error text with file:line:col>"}
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

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
}

type response struct {
	Ok    bool   `json:"ok"`
	JSON  string `json:"json,omitempty"`
	Error string `json:"error,omitempty"`
}

func answer(r response) {
	out, _ := json.Marshal(r)
	os.Stdout.Write(out)
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
	vm.Importer(&jsonnet.FileImporter{JPaths: req.Jpath})
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
