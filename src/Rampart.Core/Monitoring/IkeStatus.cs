namespace Rampart.Core.Monitoring;

/// <summary>The answer to <c>ike.status</c>: statistics and the main mode SAs.</summary>
public sealed record IkeStatus(IkeStatistics Statistics, IReadOnlyList<MainModeSaRow> MainModes);

/// <summary>
/// One main mode (ISAKMP) SA as the IKE engine reports it and <c>ike.status</c> lists it: cookies in hex, algorithms
/// as cipher/hash/group (null until chosen), lifetime left once established, the peer's authenticated identity (its
/// certificate's subject, or its ID payload with a pre-shared key; null until authenticated) and how it was authenticated
/// (e.g. <c>pre-shared key</c>, <c>RSA signature</c>; null until authenticated). The monitor's
/// <see cref="MainModeAssociation"/> is the walkthrough's view of the same row.
/// </summary>
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
    double? LifetimeLeftSeconds,
    string? PeerIdentity = null,
    string? Authentication = null);
