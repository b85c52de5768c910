// Collatz sequences for a few starting numbers, how long each takes to reach 1, and a summary.
// Try: change an init value, or the list, and run again: only what changed is recomputed.
local inits = [3, 7, 27, 97];

{
  steps: {
    ['sequence_' + n]: { type: 'generateCollatz', init: n }
    for n in inits
  } + {
    ['count_' + n]: { type: 'countSteps', sequence: { type: 'ref', ref: 'sequence_' + n } }
    for n in inits
  } + {
    ['peak_' + n]: { type: 'peak', sequence: { type: 'ref', ref: 'sequence_' + n } }
    for n in inits
  } + {
    summary: { type: 'my::summarize' } + {
      [std.toString(n)]: { type: 'ref', ref: 'count_' + n }
      for n in inits
    },
    // `layout` is a Layout: `type` picks the registered subclass, and `columns` is built as a
    // Columns from its constructor's parameter names. Try { type: 'lines' }.
    report: {
      type: 'report',
      counts: { type: 'ref', ref: 'summary' },
      layout: { type: 'table', title: 'Collatz steps', columns: { width: 6 } },
    },
  },
}
