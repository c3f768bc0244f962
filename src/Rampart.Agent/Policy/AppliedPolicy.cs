using Rampart.Core.Filtering;
using Rampart.Core.Policy;

namespace Rampart.Agent.Policy;

/// <summary>
/// The policy this agent enforces right now: the store's configuration it came from, the assigned policy
/// (null when none is assigned), the compiled filters the data path runs, and the host addresses "me" meant.
/// </summary>
public sealed record AppliedPolicy(PolicySnapshot Snapshot, IpsecPolicy? Policy, CompiledPolicy Compiled, HostAddresses Host, long Generation)
{
    public static AppliedPolicy None { get; } = new(PolicySnapshot.Empty, null, CompiledPolicy.None, new HostAddresses([], new HashSet<UInt128>()), -1);
}
