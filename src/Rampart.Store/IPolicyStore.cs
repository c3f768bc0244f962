using Rampart.Core.Policy;

namespace Rampart.Store;

/// <summary>The durable home of a host's policy configuration.</summary>
public interface IPolicyStore : IDisposable
{
    /// <summary>Bumped by every committed change; the agent polls it to re-apply policy live.</summary>
    long ReadGeneration();

    /// <summary>The whole configuration as committed.</summary>
    PolicySnapshot Load();

    /// <summary>
    /// Runs <paramref name="edit"/> on the current configuration inside one write transaction; validates the result
    /// and commits it only if the edit and <see cref="PolicyValidator"/> report no error.
    /// </summary>
    StoreUpdate Update(Func<PolicySnapshot, PolicyEdit> edit);
}

/// <summary>What an update did: committed with a message and the new generation, or refused with the errors.</summary>
public sealed record StoreUpdate(bool Committed, string Message, IReadOnlyList<string> Errors, long Generation);
