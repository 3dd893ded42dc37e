import FirewallCore
import Foundation

extension ApprovalRequest {
    /// A request for `update_salary` decided by a one-rule policy, due `timeout` seconds from now.
    package static func fixture(
        id: String = "approval-1",
        arguments: JSONValue = .object([
            .init("employee_id", .string("E042")), .init("new_salary", .number("90000")),
        ]), remember: ApprovalSettings.Remember = .never, timeout: Double = 60
    ) throws -> ApprovalRequest {
        let text = """
            version: 1
            tools:
              - name: update_salary
                class: write
                decision: confirm
                reason: Salary changes are approved by a person
            """
        let policy = try PolicyLoader.load(text: text, path: "test.yaml").policy
        let decision = policy.evaluate(tool: "update_salary", arguments: arguments, annotations: nil)
        let now = Date().timeIntervalSince1970
        return ApprovalRequest(
            id: id, tool: "update_salary", arguments: arguments, decision: decision, server: "example-hr-server",
            policySHA256: policy.source.sha256, requestedAt: now, deadline: now + timeout, remember: remember)
    }
}
