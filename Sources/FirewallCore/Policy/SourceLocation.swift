/// A position in a policy file, 1-based, as editors and compilers print it.
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var column: Int

    package init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`.
    package var description: String { "\(file):\(line):\(column)" }

    /// `file:line`, the short form used in denial messages.
    package var fileAndLine: String { "\(file):\(line)" }
}

/// One problem found while loading a policy.
package struct PolicyDiagnostic: Sendable, Hashable, CustomStringConvertible {
    package enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    package var severity: Severity
    package var message: String
    package var location: SourceLocation
    /// A suggestion the user can act on ("did you mean `confirm`?").
    package var hint: String?

    package init(_ severity: Severity, _ message: String, at location: SourceLocation, hint: String? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
        self.hint = hint
    }

    /// `file:line:col: error: message (hint)`, one line, as compilers print it.
    package var description: String {
        var text = "\(location): \(severity.rawValue): \(message)"
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// A policy that could not be loaded, with every problem found.
package struct PolicyError: Error, Sendable, CustomStringConvertible {
    package var diagnostics: [PolicyDiagnostic]

    package init(diagnostics: [PolicyDiagnostic]) {
        self.diagnostics = diagnostics
    }

    package var description: String {
        let errors = diagnostics.filter { $0.severity == .error }.count
        return (diagnostics.map(\.description) + ["\(errors) error(s) in policy"]).joined(separator: "\n")
    }
}
