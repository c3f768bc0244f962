using System.Globalization;
using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;

namespace Rampart.Integration.Tests.StandIn;

/// <summary>
/// The stand-in transform in a separate process (tests/Rampart.TestPeer) inside a namespace, so a test can
/// kill it with SIGKILL like a crashing agent. The chains are installed by the test process and stay.
/// </summary>
public sealed class StandInAgentProcess : IDisposable
{
    private readonly NetfilterRules _rules;
    private readonly BackgroundProcess _process;

    public StandInAgentProcess(NetworkNamespacePair pair, string ns, params string[] securedPeers)
    {
        ArgumentNullException.ThrowIfNull(pair);
        Prerequisites.Require("iptables-restore", "ip6tables-restore", "dotnet");
        var ruleSet = StandInHost.CreateRuleSet(securedPeers);
        _rules = new NetfilterRules(ruleSet, ns);
        _rules.Install();
        string peer = Path.Combine(AppContext.BaseDirectory, "Rampart.TestPeer.dll");
        _process = pair.StartProcess(
            ns,
            "dotnet",
            peer,
            "standin",
            ruleSet.OutboundQueue.ToString(CultureInfo.InvariantCulture),
            ruleSet.InboundQueue.ToString(CultureInfo.InvariantCulture),
            ruleSet.DecapsulatedMark.ToString(CultureInfo.InvariantCulture));
        _process.WaitForText("ready", TimeSpan.FromSeconds(30));
    }

    public int ProcessId => _process.Id;

    /// <summary>SIGKILL: no cleanup code runs; the kernel closes the netlink sockets.</summary>
    public void Kill()
    {
        Shell.Run("kill", "-KILL", _process.Id.ToString(CultureInfo.InvariantCulture));
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _process.Dispose();
        _rules.Remove();
    }
}
