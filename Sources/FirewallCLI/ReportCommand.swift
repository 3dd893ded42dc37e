import ArgumentParser
import FirewallCore
import FirewallReport
import Foundation

/// `mcp-firewall report`: renders audit logs as a self-contained HTML page, a JSON summary or Markdown.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render audit logs as an approval-annotated report.",
        discussion: """
            Reads mcp-firewall audit logs (JSONL, any schema version, read leniently) and JSON logs written by \
            mcp-audit-trail, given as files or folders (their .jsonl and .json files). Each session gets its own \
            section: summary, approvals (who let each write and sensitive call through), tools, data access; the \
            HTML page adds a filterable timeline of every record. Lines that cannot be read are reported on stderr \
            with their line numbers and in the report, and the rest still renders.

            Each session opens with the verdict of `mcp-firewall audit verify` on its hash chain (intact and             signed by which key, unsigned, edited at which record, incomplete…); approval rows from records the             chain no longer proves are marked NOT PROVEN. Give --public-key (and --anchor) to check signatures.

            Exit codes: 0 report written (even with warnings), 1 no audit record could be read or the report \
            could not be written, 64 usage error.
            """
    )

    /// How the format is spelled on the command line.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case html
        case json
        case markdown
    }

    @Argument(help: "Audit log files, mcp-audit-trail JSON logs, or folders holding them.")
    var inputs: [String]

    @Option(
        name: [.short, .customLong("output")], help: "Where to write the report (`-` for stdout; default report.<ext>)."
    )
    var output: String?

    @Option(help: "The report's title.")
    var title = "mcp-firewall audit report"

    @Option(help: "html (a self-contained page), json (the computed summary) or markdown (a CI job summary).")
    var format: Format = .html

    @Option(
        name: .customLong("entity-key"),
        help: ArgumentHelp(
            "An argument key whose values the data-access map lists (a glob such as `*_ref`; repeat for more).",
            discussion:
                "Replaces the default, \(EntityKeys.defaultPatterns.joined(separator: " ")); keys match case-sensitively."
        ))
    var entityKeys: [String] = []

    @Option(help: "Public key (PEM) the logs' checkpoints must be signed with; each session's verdict then says so.")
    var publicKey: String?

    @Option(help: "An anchor file the proxy copied its checkpoints to (--audit-anchor); repeatable.")
    var anchor: [String] = []

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("Name at least one audit log or folder.") }
        _ = try keys()
    }

    /// The `--entity-key` patterns, or the default.
    private func keys() throws -> EntityKeys {
        guard !entityKeys.isEmpty else { return .standard }
        do throws(GlobPatternError) {
            return try EntityKeys(entityKeys)
        } catch {
            throw ValidationError("--entity-key: \(error.message)")
        }
    }

    func run() throws {
        let format = ReportFormat(rawValue: format.rawValue)!
        let keys = try keys()
        let path = output ?? "report.\(format.fileExtension)"
        let key: AuditPublicKey?
        do {
            key = try publicKey.map { path throws(AuditKeyFiles.Failure) in try AuditKeyFiles.publicKey(at: path) }
        } catch {
            StandardError.write("mcp-firewall report: \(error)")
            throw ExitCode(ExitCodes.usage)
        }
        do {
            let model: ReportModel
            if path == "-" {
                model = try ReportGenerator.generate(
                    paths: inputs, title: title, format: format, to: ByteSink(descriptor: STDOUT_FILENO),
                    entityKeys: keys, publicKey: key, anchors: anchor)
            } else {
                model = try ReportFile.write(to: path) { sink throws(ReportError) in
                    try ReportGenerator.generate(
                        paths: inputs, title: title, format: format, to: sink, entityKeys: keys, publicKey: key,
                        anchors: anchor)
                }
            }
            for warning in model.warnings { StandardError.write(warning.description) }
            if model.warningsOmitted > 0 { StandardError.write("… and \(model.warningsOmitted) more warnings") }
            if path != "-" {
                let sessions = model.sessions.count == 1 ? "1 session" : "\(model.sessions.count) sessions"
                print("wrote \(path) (\(sessions), \(model.records) records)")
            }
        } catch {
            StandardError.write("mcp-firewall report: \(error)")
            throw ExitCode(ExitCodes.policyOrAudit)
        }
    }
}

/// Writing a report file whole: to `<path>.partial` first, renamed over `path` once complete.
enum ReportFile {
    static func write<Result>(
        to path: String, _ body: (ByteSink) throws(ReportError) -> Result
    ) throws(ReportError) -> Result {
        let partial = path + ".partial"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw ReportError("cannot create \(partial): \(String(cString: strerror(errno)))")
        }
        let result: Result
        do {
            result = try body(ByteSink(descriptor: descriptor))
        } catch {
            close(descriptor)
            unlink(partial)
            throw error
        }
        close(descriptor)
        guard rename(partial, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(partial)
            throw ReportError("cannot move the report into place at \(path): \(reason)")
        }
        return result
    }
}
