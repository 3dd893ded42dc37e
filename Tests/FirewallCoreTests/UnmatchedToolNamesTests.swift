import FirewallCore
import Testing

/// Rules naming tools the server does not list, and the names they most likely meant.
struct UnmatchedToolNamesTests {
    static let listed = ["update_salary", "get_employee", "github.create_issue", "Search-Employees", "list_employees"]

    @Test(arguments: [
        ("udpate_salary", "update_salary"),  // two letters swapped
        ("update_salry", "update_salary"),  // one missing
        ("GET_EMPLOYEE", "get_employee"),  // case
        ("search_employees", "Search-Employees"),  // case and separator
        ("create_issue", "github.create_issue"),  // the server namespaces its tools
        ("delete_everything", nil),  // nothing close
        ("gt", nil),  // too short to guess
    ])
    func suggestsTheListedNameItMostLikelyMeans(name: String, expected: String?) throws {
        let policy = try loadPolicy("version: 1\ntools:\n  - name: \(name)\n    class: write\n")
        let findings = UnmatchedToolNames.check(policy, listed: Self.listed)
        #expect(findings.count == 1)
        #expect(findings.first?.suggestion == expected)
        #expect(findings.first?.rule.line == 3)
    }

    @Test func listedNamesAndGlobsAreNotReported() throws {
        let policy = try loadPolicy(
            "version: 1\ntools:\n  - name: [update_salary, github.*, nothing_*]\n    decision: deny\n    reason: r\n")
        #expect(UnmatchedToolNames.check(policy, listed: Self.listed).isEmpty)
    }
}
