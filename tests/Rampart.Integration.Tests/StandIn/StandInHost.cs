using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;
using Rampart.TestPeer;

namespace Rampart.Integration.Tests.StandIn;

/// <summary>
/// Rampart's interception on one namespace host with the XOR stand-in transform: our chains installed
/// (peer selector = the other host), one outbound and one inbound queue, each on its own thread.
/// The netlink sockets are opened on a thread that entered the namespace (setns), so they serve that
/// namespace while the test process stays outside it. <see cref="Kill"/> closes the sockets, which is
/// what the kernel does when the agent process dies.
/// </summary>
public sealed class StandInHost : IDisposable
{
    private readonly NetfilterRules _rules;
    private PacketQueue? _outbound;
    private PacketQueue? _inbound;

    public StandInHost(string ns, params string[] securedPeers)
    {
        Prerequisites.Require("iptables-restore", "ip6tables-restore");
        RuleSet = CreateRuleSet(securedPeers);
        _rules = new NetfilterRules(RuleSet, ns);
        try
        {
            _rules.Install();
            OutboundTransform = new XorStandInTransform(outbound: true, RuleSet.DecapsulatedMark);
            InboundTransform = new XorStandInTransform(outbound: false, RuleSet.DecapsulatedMark);
            _outbound = NetworkNamespace.Run(ns, () => new PacketQueue(new NfQueueSocket(RuleSet.OutboundQueue), OutboundTransform));
            _inbound = NetworkNamespace.Run(ns, () => new PacketQueue(new NfQueueSocket(RuleSet.InboundQueue), InboundTransform));
            _outbound.Start();
            _inbound.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetfilterRuleSet RuleSet { get; }

    /// <summary>The chains for the stand-in: protocol 253 is the secured protocol, its 4 bytes the overhead.</summary>
    public static NetfilterRuleSet CreateRuleSet(IReadOnlyList<string> securedPeers) => new()
    {
        SecuredPeers = securedPeers,
        SecuredProtocols = [XorStandInTransform.Protocol],
        QueueUdpEncapsulation = false,
        MaxOverhead = XorStandInTransform.Overhead,
    };

    public XorStandInTransform OutboundTransform { get; } = null!;

    public XorStandInTransform InboundTransform { get; } = null!;

    /// <summary>Packets received by both queues so far.</summary>
    public long PacketsQueued => (_outbound?.Socket.Received ?? 0) + (_inbound?.Socket.Received ?? 0);

    /// <summary>Receive, handler and verdict time of both queues, in stopwatch ticks.</summary>
    public (long Receive, long Handle, long Verdict) Ticks
    {
        get
        {
            var outbound = _outbound?.Ticks ?? default;
            var inbound = _inbound?.Ticks ?? default;
            return (outbound.Receive + inbound.Receive, outbound.Handle + inbound.Handle, outbound.Verdict + inbound.Verdict);
        }
    }

    /// <summary>Bytes allocated so far by both queue threads.</summary>
    public long AllocatedBytes => (_outbound?.AllocatedBytes ?? 0) + (_inbound?.AllocatedBytes ?? 0);

    public long Batches => (_outbound?.Batches ?? 0) + (_inbound?.Batches ?? 0);

    /// <summary>Closes the queues as a crashed agent would; the rules stay.</summary>
    public void Kill()
    {
        _outbound?.Dispose();
        _inbound?.Dispose();
        _outbound = null;
        _inbound = null;
    }

    public void ThrowIfFailed()
    {
        var failure = _outbound?.Failure ?? _inbound?.Failure;
        if (failure is not null)
        {
            throw new InvalidOperationException("A packet queue loop failed: " + failure.Message, failure);
        }
    }

    public void Dispose()
    {
        Kill();
        _rules.Remove();
    }
}
