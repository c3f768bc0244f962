using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;

namespace Rampart.Agent.Ike;

/// <summary>
/// IKE statistics for the monitor (the walkthrough's IP Security Monitor counters), cumulative since the agent started;
/// <see cref="DeadPeers"/> counts peers that did not answer dead peer detection, <see cref="MainModeRenewals"/> main
/// modes negotiated ahead of an in-use one's expiry.
/// </summary>
public sealed record IkeStatistics(
    long MainModes,
    long QuickModes,
    long SoftAssociations,
    long AuthenticationFailures,
    long NegotiationFailures,
    long PendingKeyOperations,
    long KeyAdditions,
    long KeyDeletions,
    long Rekeys,
    long MalformedMessages,
    long Retransmits,
    long DeadPeers,
    long MainModeRenewals)
{
    /// <summary>Peers remembered as heard from by IKE (bounded; only peers that echoed our cookie).</summary>
    public int HeardPeers { get; init; }

    /// <summary>Responder Main Modes not yet authenticated (bounded by the engine's half-open limit).</summary>
    public int HalfOpen { get; init; }

    /// <summary>Of <see cref="HalfOpen"/>, those past MM3 (the initiator received our cookie): never evicted by a flood.</summary>
    public int HalfOpenProven { get; init; }

    /// <summary>Unproven half-open Main Modes dropped, oldest first, to admit new ones past the bound.</summary>
    public long HalfOpenEvicted { get; init; }

    /// <summary>Main Mode requests not admitted because the half-open states they would need were all proven.</summary>
    public long HalfOpenRefused { get; init; }

    /// <summary>Failure audits counted into summary records instead of written one by one (a flood).</summary>
    public long FailureAuditsSuppressed { get; init; }

    /// <summary>IKE datagrams dropped because the IKE loop's queue was full.</summary>
    public long DroppedDatagrams { get; init; }

    /// <summary>Audit records dropped because the audit writer's queue was full.</summary>
    public long AuditRecordsDropped { get; init; }
}

/// <summary>The answer to <c>ike.status</c>: statistics and the main mode SAs.</summary>
public sealed record IkeStatus(IkeStatistics Statistics, IReadOnlyList<MainModeSaRow> MainModes);

/// <summary>One main mode (ISAKMP) SA as the monitor lists it; cookies in hex, algorithms as cipher/hash/group; lifetime left once established.</summary>
public sealed record MainModeSaRow(
    string Local,
    string Peer,
    string InitiatorCookie,
    string ResponderCookie,
    string Role,
    string State,
    string? Algorithms,
    bool NatTraversal,
    int QuickModeSaPairs,
    double AgeSeconds,
    double? LifetimeLeftSeconds)
{
    public static MainModeSaRow From(MainModeSaInfo sa, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sa);
        return new MainModeSaRow(
            sa.Local.ToString(),
            sa.Remote.ToString(),
            sa.InitiatorCookie.ToString("x16", CultureInfo.InvariantCulture),
            sa.ResponderCookie.ToString("x16", CultureInfo.InvariantCulture),
            sa.IsInitiator ? "initiator" : "responder",
            sa.Established ? "established" : "negotiating",
            sa.Algorithms is { } a ? $"{AlgorithmCatalog.Name(a.Cipher)}/{AlgorithmCatalog.Name(a.Hash)}/{AlgorithmCatalog.Name(a.Group)}" : null,
            sa.UdpEncapsulation,
            sa.IpsecSaPairs,
            Math.Round((now - sa.Created).TotalSeconds, 1),
            sa.Expires is { } expires ? Math.Max(0, Math.Round((expires - now).TotalSeconds, 1)) : null);
    }
}
