namespace Rampart.Core.Auditing;

/// <summary>
/// One audit trail entry. <see cref="Fields"/> keeps the walkthrough's labels and order
/// (e.g. "Peer IP Address", "Source IP Address Mask", "InboundSpi"), grouped by <see cref="AuditField.Section"/>
/// ("Peer Identity", "Filter", "Parameters"). Never holds a key or a pre-shared key.
/// JSON carries the event both as its name (<c>eventId</c>) and as the walkthrough's number (<c>eventNumber</c>, 541-548),
/// which is what log collectors key on.
/// </summary>
public sealed record AuditRecord(
    long Sequence,
    DateTimeOffset Time,
    AuditEventId EventId,
    bool Success,
    string Summary,
    IReadOnlyList<AuditField> Fields)
{
    /// <summary>The walkthrough's event number, e.g. 541.</summary>
    public int EventNumber => (int)EventId;
}

public sealed record AuditField(string Section, string Name, string Value);
