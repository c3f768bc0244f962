using Rampart.Agent.Monitoring;
using Rampart.Core.Monitoring;

namespace Rampart.Agent.Ike;

/// <summary>Feeds the monitor and the metrics from the IKE service's latest published status.</summary>
public sealed class IkeMonitorSource(IkeService ike) : IIkeStatisticsSource
{
    public Core.Monitoring.IkeStatistics Statistics()
    {
        var s = ike.LatestStatus.Statistics;
        return new Core.Monitoring.IkeStatistics(s.MainModes, s.QuickModes, s.AuthenticationFailures, s.NegotiationFailures, s.PendingKeyOperations, s.KeyAdditions, s.KeyDeletions, s.Rekeys);
    }

    public IReadOnlyList<MainModeAssociation> MainModeAssociations() =>
        [.. ike.LatestStatus.MainModes.Select(sa => new MainModeAssociation(
            sa.Local,
            sa.Peer,
            sa.Peer,
            "Preshared key",
            sa.Algorithms ?? "(negotiating)",
            sa.QuickModeSaPairs,
            (long)sa.AgeSeconds,
            0))];
}
