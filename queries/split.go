package queries

import "strings"

// SplitStatements cuts SQL text at the semicolons that end statements: those outside quoted strings,
// quoted identifiers, dollar-quoted strings and comments. It returns the complete statements,
// each with its ';' (empty ones dropped), and the text after the last of them; pending says
// whether that rest is the start of a statement (not only blanks and comments) or of a quote
// or comment still open. It is the one splitter: `ntm sql`'s shell cuts what a user types with
// it, and the session builder the embedded .sql files.
func SplitStatements(text string) (stmts []string, rest string, pending bool) {
	start, content := 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == ';':
			if content {
				stmts = append(stmts, strings.TrimSpace(text[start:i+1]))
			}
			start, content = i+1, false
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				return stmts, text[start:], content
			}
			i += end
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return stmts, text[start:], true
			}
			i += 2 + end + 1
		case c == '\'' || c == '"':
			content = true
			end := strings.IndexByte(text[i+1:], c)
			if end < 0 {
				return stmts, text[start:], true
			}
			i += 1 + end // a doubled quote closes and reopens: the same result
		case c == '$':
			content = true
			if tag, ok := dollarTag(text[i:]); ok {
				end := strings.Index(text[i+len(tag):], tag)
				if end < 0 {
					return stmts, text[start:], true
				}
				i += len(tag) + end + len(tag) - 1
			}
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			content = true
		}
	}
	return stmts, text[start:], content
}

// dollarTag returns the tag ($$ or $name$) that s starts with, if it starts a dollar-quoted
// string rather than a parameter such as $1.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		c := s[j]
		switch {
		case c == '$':
			return s[:j+1], true
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80:
		case '0' <= c && c <= '9' && j > 1:
		default:
			return "", false
		}
	}
	return "", false
}
