using Rampart.Agent.Monitoring;
using Rampart.Agent.Policy;
using Rampart.Core.Monitoring;

namespace Rampart.Agent.Ike;

/// <summary>Feeds the monitor and the metrics from the IKE service's latest published status.</summary>
public sealed class IkeMonitorSource(IkeService ike, PolicyState policy) : IIkeStatisticsSource
{
    public IkeStatistics Statistics() => ike.LatestStatus.Statistics;

    public IReadOnlyList<MainModeAssociation> MainModeAssociations()
    {
        // An established main mode knows its negotiated lifetime; one still negotiating is shown with the policy's.
        var lifetimeSeconds = (policy.Current.Policy?.KeyExchange.MainModeLifetimeMinutes ?? 0) * 60L;
        return [.. ike.LatestStatus.MainModes.Select(sa => new MainModeAssociation(
            sa.Local,
            sa.Peer,
            sa.PeerIdentity ?? sa.Peer,
            AuthenticationOf(sa),
            sa.Algorithms ?? "(negotiating)",
            sa.QuickModeSaPairs,
            (long)sa.AgeSeconds,
            sa.LifetimeLeftSeconds is { } left ? (long)left : Math.Max(0, lifetimeSeconds - (long)sa.AgeSeconds)))];
    }

    /// <summary>The walkthrough's words: "Preshared key" or "Certificate" (with the signature kind); "(negotiating)" until authenticated.</summary>
    internal static string AuthenticationOf(MainModeSaRow sa) => sa.Authentication switch
    {
        null => "(negotiating)",
        "pre-shared key" => "Preshared key",
        var signature => $"Certificate ({signature})",
    };
}
