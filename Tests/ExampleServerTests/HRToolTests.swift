import Foundation
import Testing

@testable import ExampleServer

/// Behaviour of each HR tool, including argument validation and in-memory mutation.
struct HRToolTests {
    @Test func listEmployeesFiltersByDepartment() throws {
        var server = HRServer()
        let all = try server.call("list_employees")
        #expect((all["structuredContent"] as? [String: Any])?["employees"] as? [Any] != nil)
        #expect(text(of: all).split(separator: "\n").count == 8)
        let sales = try server.call("list_employees", ["department": "sales"])
        let employees = try #require((sales["structuredContent"] as? [String: Any])?["employees"] as? [[String: Any]])
        #expect(employees.count == 3 && employees.allSatisfy { $0["department"] as? String == "sales" })
        let bad = try server.call("list_employees", ["department": "marketing"])
        #expect(isError(bad) && text(of: bad).contains("department"))
    }

    @Test func getEmployeeReturnsFullRecordOrToolError() throws {
        var server = HRServer()
        let result = try server.call("get_employee", ["employee_id": "E-1001"])
        #expect(!isError(result))
        let record = try #require(result["structuredContent"] as? [String: Any])
        #expect(record["name"] as? String == "Ada Lovelace" && record["salary"] as? Int == 210_000)
        let missing = try server.call("get_employee", ["employee_id": "E-9999"])
        #expect(isError(missing) && text(of: missing).contains("E-9999"))
        let absent = try server.call("get_employee")
        #expect(isError(absent) && text(of: absent).contains("employee_id"))
        let wrongType = try server.call("get_employee", ["employee_id": 1001])
        #expect(isError(wrongType) && text(of: wrongType).contains("employee_id"))
    }

    @Test func searchIsCaseInsensitiveOverNameTitleAndDepartment() throws {
        var server = HRServer()
        func ids(_ query: String) throws -> [String] {
            let result = try server.call("search_employees", ["query": query])
            let employees = (result["structuredContent"] as? [String: Any])?["employees"] as? [[String: Any]] ?? []
            return employees.compactMap { $0["employee_id"] as? String }
        }
        #expect(try ids("grace") == ["E-1002"])
        #expect(try ids("ENGINEER") == ["E-1001", "E-1002", "E-1003", "E-1006"])
        #expect(try ids("HR").count >= 2)
        #expect(try ids("nobody-matches").isEmpty)
        #expect(isError(try server.call("search_employees")))
    }

    @Test(arguments: [0, 1, 10, 100, 1_000, 1_000_000])
    func personnelFileHasExactRequestedSize(size: Int) throws {
        var server = HRServer()
        let result = try server.call("get_personnel_file", ["employee_id": "E-1004", "size_bytes": size])
        let text = text(of: result)
        #expect(!isError(result))
        #expect(text.utf8.count == size && text.count == size)
    }

    @Test func personnelFileWithoutSizeAndInvalidSizes() throws {
        var server = HRServer()
        let plain = text(of: try server.call("get_personnel_file", ["employee_id": "E-1004"]))
        #expect(plain.hasPrefix("PERSONNEL FILE") && plain.contains("Katherine Johnson"))
        for size in [-1, 64_000_001, 1.5, "10"] as [Any] {
            let result = try server.call("get_personnel_file", ["employee_id": "E-1004", "size_bytes": size])
            #expect(isError(result) && text(of: result).contains("size_bytes"))
        }
    }

    @Test func updateSalaryPersistsAndValidates() throws {
        var server = HRServer()
        let updated = try server.call("update_salary", ["employee_id": "E-1003", "new_salary": 190_000])
        #expect(!isError(updated) && text(of: updated).contains("190000"))
        let record = try server.call("get_employee", ["employee_id": "E-1003"])
        #expect((record["structuredContent"] as? [String: Any])?["salary"] as? Int == 190_000)
        for bad in [0, -5, true, "lots"] as [Any] {
            let result = try server.call("update_salary", ["employee_id": "E-1003", "new_salary": bad])
            #expect(isError(result) && text(of: result).contains("new_salary"))
        }
        let missing = try server.call("update_salary", ["employee_id": "E-1003"])
        #expect(isError(missing) && text(of: missing).contains("new_salary"))
        #expect(isError(try server.call("update_salary", ["employee_id": "E-0000", "new_salary": 1])))
    }

    @Test func addReviewNoteAppendsEachTime() throws {
        var server = HRServer()
        for expected in [2, 3] {
            let result = try server.call("add_review_note", ["employee_id": "E-1001", "note": "Great quarter."])
            #expect((result["structuredContent"] as? [String: Any])?["review_note_count"] as? Int == expected)
        }
        let file = text(of: try server.call("get_personnel_file", ["employee_id": "E-1001"]))
        #expect(file.components(separatedBy: "Great quarter.").count == 3)
        let empty = try server.call("add_review_note", ["employee_id": "E-1001", "note": ""])
        #expect(isError(empty) && text(of: empty).contains("note"))
    }

    @Test func exportPayrollProducesCSV() throws {
        var server = HRServer()
        let lines = text(of: try server.call("export_payroll")).split(separator: "\n")
        #expect(lines.first == "id,name,salary" && lines.count == 9)
        #expect(lines.contains("E-1001,Ada Lovelace,210000"))
        let hr = text(of: try server.call("export_payroll", ["department": "hr"])).split(separator: "\n")
        #expect(hr.count == 3)
    }

    @Test func deleteEmployeeRemovesRecordForTheProcessLifetime() throws {
        var server = HRServer()
        let deleted = try server.call("delete_employee", ["employee_id": "E-1008"])
        #expect(!isError(deleted) && text(of: deleted).contains("E-1008"))
        #expect(isError(try server.call("get_employee", ["employee_id": "E-1008"])))
        #expect(isError(try server.call("delete_employee", ["employee_id": "E-1008"])))
        #expect(text(of: try server.call("list_employees")).split(separator: "\n").count == 7)
        var fresh = HRServer()
        #expect(!isError(try fresh.call("get_employee", ["employee_id": "E-1008"])))
    }
}
