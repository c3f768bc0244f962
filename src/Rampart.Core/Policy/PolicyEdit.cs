namespace Rampart.Core.Policy;

/// <summary>The outcome of one edit: the new snapshot and what to tell the user, or the errors (nothing changes).</summary>
public sealed record PolicyEdit(PolicySnapshot? Snapshot, string Message, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Snapshot is not null && Errors.Count == 0;

    public static PolicyEdit Ok(PolicySnapshot snapshot, string message) => new(snapshot, message, []);

    public static PolicyEdit Fail(params IEnumerable<string> errors) => new(null, "", [.. errors]);
}
