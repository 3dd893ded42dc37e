import Foundation

/// One employee record in the in-memory HR data set.
struct Employee: Sendable, Equatable {
    /// Stable identifier such as "E-1001".
    let id: String
    /// Full name.
    let name: String
    /// Department key: "engineering", "sales" or "hr".
    let department: String
    /// Job title.
    let title: String
    /// Annual salary in US dollars.
    var salary: Double
    /// Hire date in ISO 8601 form (yyyy-mm-dd).
    let hireDate: String
    /// Performance review notes, oldest first.
    var reviewNotes: [String]

    /// The record without compensation or review data, as returned by listing and search tools.
    var summaryJSON: [String: Any] {
        ["employee_id": id, "name": name, "department": department, "title": title]
    }

    /// The full record, including salary and review notes.
    var detailJSON: [String: Any] {
        var object = summaryJSON
        object["salary"] = Employee.salaryJSON(salary)
        object["hire_date"] = hireDate
        object["review_notes"] = reviewNotes
        return object
    }

    /// A one-line human-readable summary.
    var summaryLine: String {
        "\(id)  \(name)  \(department)  \(title)"
    }

    /// Renders a salary as plain text, without decimals when it is a whole number.
    static func formatSalary(_ salary: Double) -> String {
        salary.rounded() == salary ? String(Int64(salary)) : String(format: "%.2f", salary)
    }

    /// Renders a salary as a JSON number, integral when it is a whole number.
    static func salaryJSON(_ salary: Double) -> Any {
        salary.rounded() == salary ? Int64(salary) : salary
    }
}
