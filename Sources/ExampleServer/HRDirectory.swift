import Foundation

/// The in-memory HR data set, mutated by the write tools for the lifetime of the process.
struct HRDirectory: Sendable {
    /// Department keys accepted by the tools.
    static let departments = ["engineering", "sales", "hr"]

    /// Employees in id order.
    private(set) var employees: [Employee]

    /// The fixed sample data set every server process starts with.
    static let sample = HRDirectory(employees: [
        Employee(
            id: "E-1001", name: "Ada Lovelace", department: "engineering", title: "Principal Engineer",
            salary: 210_000, hireDate: "2015-03-02", reviewNotes: ["Led the analytics engine redesign."]),
        Employee(
            id: "E-1002", name: "Grace Hopper", department: "engineering", title: "Engineering Manager",
            salary: 198_000, hireDate: "2016-07-18", reviewNotes: ["Excellent mentor; shipped compiler v2."]),
        Employee(
            id: "E-1003", name: "Alan Turing", department: "engineering", title: "Staff Engineer",
            salary: 185_500, hireDate: "2018-01-08", reviewNotes: []),
        Employee(
            id: "E-1004", name: "Katherine Johnson", department: "sales", title: "Account Executive",
            salary: 132_000, hireDate: "2019-05-13", reviewNotes: ["Exceeded quota by 40%."]),
        Employee(
            id: "E-1005", name: "Dorothy Vaughan", department: "sales", title: "Sales Director",
            salary: 176_250, hireDate: "2014-11-03", reviewNotes: ["Built the EMEA team from scratch."]),
        Employee(
            id: "E-1006", name: "Mary Jackson", department: "sales", title: "Sales Engineer",
            salary: 141_000, hireDate: "2021-02-22", reviewNotes: []),
        Employee(
            id: "E-1007", name: "Frances Allen", department: "hr", title: "HR Business Partner",
            salary: 118_000, hireDate: "2017-09-11", reviewNotes: ["Ran the 2025 compensation review."]),
        Employee(
            id: "E-1008", name: "Edsger Dijkstra", department: "hr", title: "Recruiter",
            salary: 96_500, hireDate: "2022-06-01", reviewNotes: []),
    ])

    /// Returns the employee with the given id, if any.
    func employee(id: String) -> Employee? {
        employees.first { $0.id == id }
    }

    /// Returns all employees, or only those of one department.
    func list(department: String?) -> [Employee] {
        guard let department else { return employees }
        return employees.filter { $0.department == department }
    }

    /// Returns employees whose name, title or department contains the query, ignoring case.
    func search(_ query: String) -> [Employee] {
        employees.filter { employee in
            [employee.name, employee.title, employee.department].contains {
                $0.range(of: query, options: .caseInsensitive) != nil
            }
        }
    }

    /// Sets an employee's salary and returns the previous one, or nil for an unknown id.
    mutating func updateSalary(id: String, to salary: Double) -> Double? {
        guard let index = employees.firstIndex(where: { $0.id == id }) else { return nil }
        defer { employees[index].salary = salary }
        return employees[index].salary
    }

    /// Appends a review note and returns the updated record, or nil for an unknown id.
    mutating func addReviewNote(id: String, note: String) -> Employee? {
        guard let index = employees.firstIndex(where: { $0.id == id }) else { return nil }
        employees[index].reviewNotes.append(note)
        return employees[index]
    }

    /// Removes an employee and returns the removed record, or nil for an unknown id.
    mutating func delete(id: String) -> Employee? {
        guard let index = employees.firstIndex(where: { $0.id == id }) else { return nil }
        return employees.remove(at: index)
    }
}
