import FirewallCore

/// The output formats of `mcp-firewall report`.
package enum ReportFormat: String, CaseIterable, Sendable {
    case html
    case json
    case markdown

    /// The usual file extension.
    package var fileExtension: String {
        switch self {
        case .html: "html"
        case .json: "json"
        case .markdown: "md"
        }
    }
}

/// Why no report could be written.
package struct ReportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for the user.
    package var description: String

    /// An error saying `description`.
    package init(_ description: String) {
        self.description = description
    }
}

/// Reads audit logs and writes a report: the one entry point the CLI and the demo use.
package enum ReportGenerator {
    /// Reads `paths` (files or folders), then writes the report in `format` to `output`.
    ///
    /// Problems with single lines or files become warnings in the model (and in the report); it throws only when
    /// no record at all could be read, or when the output cannot be written.
    @discardableResult
    package static func generate(
        paths: [String], title: String, format: ReportFormat, to output: ByteSink,
        limits: SessionReport.Limits = .init(), entityKeys: EntityKeys = .standard,
        publicKey: AuditPublicKey? = nil, anchors: [String] = []
    ) throws(ReportError) -> ReportModel {
        let builder = ReportBuilder(timeline: format == .html, limits: limits, entityKeys: entityKeys)
        let files = ReportInputs.expand(paths, builder: builder)
        ReportInputs.load(files, into: builder)
        if let failure = builder.writeFailure { throw ReportError("cannot spool the timeline: \(failure)") }
        var model = builder.model(title: title)
        // The same verification as `audit verify`, so each session's section opens with its verdict.
        do {
            let verification = try AuditFileVerifier.verify(
                logs: builder.auditLogFiles, anchors: anchors, publicKey: publicKey)
            model.apply(verification, keyPinned: publicKey != nil)
        } catch {
            throw ReportError("cannot verify the audit logs: \(error)")
        }
        guard model.records > 0 else {
            let problems = model.warnings.map(\.description).joined(separator: "\n")
            throw ReportError("no audit record could be read" + (problems.isEmpty ? "" : ":\n" + problems))
        }
        do {
            switch format {
            case .html: try HTMLReportWriter(model: model, spool: builder.spool!).write(to: output)
            case .json: try output.write(JSONReportWriter(model: model).render())
            case .markdown: try output.write(MarkdownReportWriter(model: model).render())
            }
            try output.flush()
        } catch {
            throw ReportError("cannot write the report: \(error)")
        }
        return model
    }
}
