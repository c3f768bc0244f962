using Rampart.Core.Monitoring;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// What the IKE service tells the monitor and the metrics: its counters and its main mode SAs. Called about once a
/// second per reader, from any thread, so implementations return a snapshot of plain counters without blocking IKE.
/// Soft associations are not here: the data path counts them (<c>DataPathEngine.MarkSoft</c>).
/// </summary>
public interface IIkeStatisticsSource
{
    IkeStatistics Statistics();

    IReadOnlyList<MainModeAssociation> MainModeAssociations();
}

/// <summary>The source used while no IKE service is registered: no main modes, every counter zero.</summary>
public sealed class NoIkeStatistics : IIkeStatisticsSource
{
    public IkeStatistics Statistics() => IkeStatistics.Zero;

    public IReadOnlyList<MainModeAssociation> MainModeAssociations() => [];
}
