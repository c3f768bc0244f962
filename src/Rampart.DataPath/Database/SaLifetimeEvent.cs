namespace Rampart.DataPath.Database;

public enum SaLifetimeEventKind
{
    /// <summary>Soft seconds or bytes reached: the agent should rekey.</summary>
    SoftExpired,

    /// <summary>Hard seconds or bytes reached: the SA was removed from the database.</summary>
    HardExpired,

    /// <summary>No packet for the idle timeout (5 minutes by default): the agent deletes the SA.</summary>
    Idle,

    /// <summary>The outbound sequence number reached its limit: the SA refuses to send and must be rekeyed.</summary>
    SequenceExhausted,
}

/// <summary>Something the agent must act on for one SA.</summary>
public readonly record struct SaLifetimeEvent(SecurityAssociation Sa, SaLifetimeEventKind Kind);
