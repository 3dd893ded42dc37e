import Foundation

/// The result of one tool call: text content, optional structured content, and whether it failed.
struct ToolOutcome {
    /// The text content block.
    let text: String
    /// Structured content mirroring the text, when natural.
    var structured: [String: Any]? = nil
    /// Whether this is a tool-level error.
    var isError = false

    /// The `tools/call` result object (without era-specific fields).
    var jsonObject: [String: Any] {
        var object: [String: Any] = ["content": [["type": "text", "text": text]], "isError": isError]
        if let structured { object["structuredContent"] = structured }
        return object
    }
}

/// Executes HR tool calls against the in-memory directory.
enum HRTools {
    /// Runs a known tool; argument problems and unknown employees become error outcomes.
    static func call(_ tool: HRToolDefinition, arguments: ToolArguments, directory: inout HRDirectory) -> ToolOutcome {
        do {
            return try run(tool.name, arguments, &directory)
        } catch {
            return ToolOutcome(text: error.message, isError: true)
        }
    }

    private static func run(
        _ name: String, _ arguments: ToolArguments, _ directory: inout HRDirectory
    ) throws(ToolFailure) -> ToolOutcome {
        switch name {
        case "list_employees":
            return listing(directory.list(department: try arguments.optionalDepartment()))
        case "get_employee":
            let employee = try find(arguments, in: directory)
            let notes = employee.reviewNotes.isEmpty ? "none" : employee.reviewNotes.joined(separator: " | ")
            let text =
                "\(employee.summaryLine)\nSalary: \(Employee.formatSalary(employee.salary))"
                + "\nHired: \(employee.hireDate)\nReview notes: \(notes)"
            return ToolOutcome(text: text, structured: employee.detailJSON)
        case "search_employees":
            return listing(directory.search(try arguments.requiredString("query")))
        case "get_personnel_file":
            let employee = try find(arguments, in: directory)
            let size = try arguments.optionalInteger("size_bytes", in: 0...HRToolCatalog.maxPersonnelFileSize)
            return ToolOutcome(text: PersonnelFile.text(for: employee, size: size))
        case "update_salary":
            return try updateSalary(arguments, &directory)
        case "add_review_note":
            let id = try arguments.requiredString("employee_id")
            let note = try arguments.requiredString("note")
            guard let employee = directory.addReviewNote(id: id, note: note) else { throw unknownEmployee(id) }
            return ToolOutcome(
                text: "Added a review note for \(employee.name) (\(id)).",
                structured: ["employee_id": id, "review_note_count": employee.reviewNotes.count])
        case "export_payroll":
            let employees = directory.list(department: try arguments.optionalDepartment())
            let rows = employees.map { "\(csvField($0.id)),\(csvField($0.name)),\(Employee.formatSalary($0.salary))" }
            return ToolOutcome(text: (["id,name,salary"] + rows).joined(separator: "\n") + "\n")
        case "delete_employee":
            let id = try arguments.requiredString("employee_id")
            guard let employee = directory.delete(id: id) else { throw unknownEmployee(id) }
            return ToolOutcome(
                text: "Deleted employee \(employee.name) (\(id)).",
                structured: ["employee_id": id, "deleted": true])
        default:
            throw ToolFailure(message: "Tool '\(name)' is not implemented.")
        }
    }

    private static func updateSalary(
        _ arguments: ToolArguments, _ directory: inout HRDirectory
    ) throws(ToolFailure) -> ToolOutcome {
        let id = try arguments.requiredString("employee_id")
        let salary = try arguments.requiredPositiveNumber("new_salary", maximum: 1_000_000_000)
        guard let previous = directory.updateSalary(id: id, to: salary) else { throw unknownEmployee(id) }
        let text =
            "Salary for \(id) changed from \(Employee.formatSalary(previous)) "
            + "to \(Employee.formatSalary(salary))."
        let structured: [String: Any] = [
            "employee_id": id,
            "previous_salary": Employee.salaryJSON(previous),
            "new_salary": Employee.salaryJSON(salary),
        ]
        return ToolOutcome(text: text, structured: structured)
    }

    private static func listing(_ employees: [Employee]) -> ToolOutcome {
        let text = employees.isEmpty ? "No matching employees." : employees.map(\.summaryLine).joined(separator: "\n")
        return ToolOutcome(text: text, structured: ["employees": employees.map(\.summaryJSON)])
    }

    private static func find(_ arguments: ToolArguments, in directory: HRDirectory) throws(ToolFailure) -> Employee {
        let id = try arguments.requiredString("employee_id")
        guard let employee = directory.employee(id: id) else { throw unknownEmployee(id) }
        return employee
    }

    private static func unknownEmployee(_ id: String) -> ToolFailure {
        ToolFailure(message: "No employee with id '\(id)'.")
    }

    private static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
