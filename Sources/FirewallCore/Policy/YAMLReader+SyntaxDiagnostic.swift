import Yams

extension YAMLReader {
    /// The hint for a syntax error on a line indented with a tab: libyaml says only that a character
    /// "cannot start any token".
    static let tabIndentationHint = "indent with spaces: YAML does not allow tabs in indentation"

    /// A diagnostic for a document Yams could not compose: syntax errors and duplicate keys, with position.
    static func syntaxDiagnostic(_ error: any Error, path: String, document: String) -> PolicyDiagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, let yaml),
            .parser(let context, let problem, let mark, let yaml),
            .composer(let context, let problem, let mark, let yaml):
            let message = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            let hint = isIndentedWithTab(line: mark.line, in: yaml) ? tabIndentationHint : nil
            return PolicyDiagnostic(.error, "YAML syntax: \(message)", at: at(mark), hint: hint)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PolicyDiagnostic(
                .error, "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in a mapping",
                at: at(context.mark), hint: "each key may appear once; YAML would otherwise silently keep only one")
        default:
            return PolicyDiagnostic(
                .error, "cannot read \(document): \(error)", at: SourceLocation(file: path, line: 1, column: 1))
        }
    }

    /// Whether line `line` (from 1) of `yaml` has a tab among the white space it starts with.
    static func isIndentedWithTab(line: Int, in yaml: String) -> Bool {
        let lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard line >= 1, line <= lines.count else { return false }
        return lines[line - 1].prefix { $0 == " " || $0 == "\t" }.contains("\t")
    }
}
