"""dflint's built-in rules: one module per rule (or tight family), each a `Rule` subclass."""
