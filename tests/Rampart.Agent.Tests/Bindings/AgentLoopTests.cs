using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Policy;
using Rampart.Agent.Tests.Doubles;
using Rampart.Agent.Tests.Ike;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.Bindings;

/// <summary>
/// Two agents' cores back to back in one process, each with its real event loop, binding state and data path, and
/// doubles for the I/O edges on one fake clock: the path of a first packet and of a policy edit, end to end.
/// </summary>
public sealed class AgentLoopTests : IAsyncDisposable
{
    /// <summary>Real time a queue's thread may take to hand over a packet (it is not the agents' clock).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryIkeNetwork _network = new();
    private readonly LoopAgent _a;
    private readonly LoopAgent _b;

    public AgentLoopTests()
    {
        _a = new LoopAgent(TestPolicies.HostA, _network, _time);
        _b = new LoopAgent(TestPolicies.HostB, _network, _time);

        // Returns once each loop's thread runs (BackgroundService starts ExecuteAsync synchronously).
        _a.StartAsync().GetAwaiter().GetResult();
        _b.StartAsync().GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task FirstPacket_IsHeld_Negotiated_AndReleasedProtectedByItsOwnVerdict()
    {
        await _a.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        await _b.AssignAsync(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        var request = TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB);

        Assert.Equal(PacketAction.Held, _a.Send(request).Action);
        await SettleAsync();

        // The held packet left as its verdict, protected: B's data path takes it back to the original.
        var wire = Assert.Single(_a.Exit.Released);
        Assert.Equal(51, wire[9]); // AH (the walkthrough's Medium)
        var received = new Rampart.DataPath.Buffers.PacketBuffer();
        received.Load(wire);
        Assert.Equal(PacketAction.AcceptModified, _b.DataPath.ProcessInbound(received).Action);
        Assert.Equal(request, received.Span.ToArray());
        Assert.Equal(BindingStatus.Secured, Assert.Single(_a.DataPath.Bindings()).Status);
        Assert.Equal(1, _a.Service.LatestStatus.Statistics.QuickModes);
    }

    [Fact]
    public async Task OutboundPacketThroughTheQueue_IsHeld_AcquiresOnTheLoop_AndLeavesProtectedByItsOwnVerdict_IntoThePeersQueue()
    {
        await _a.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        await _b.AssignAsync(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _network.LinkUp = false;
        var request = TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB);

        // The queue's thread hands the packet to the engine, which holds it (no verdict in its batch) and raises the acquire.
        var id = _a.OutboundQueue.Enqueue(request);
        await _a.OutboundQueue.HeldAsync(id).WaitAsync(Patience);
        await _a.WhenIdleAsync();
        Assert.Equal(1, _a.Service.LatestStatus.Statistics.PendingKeyOperations);
        var verdict = _a.OutboundQueue.VerdictAsync(id);
        Assert.False(verdict.IsCompleted);

        // The link comes back: Main Mode's first retransmission (at 1 s) starts the exchange, the loop installs the SA.
        _network.LinkUp = true;
        _time.Advance(TimeSpan.FromSeconds(1));
        await SettleAsync();
        var wire = await verdict.WaitAsync(Patience);
        Assert.True(wire.Accepted);
        Assert.Equal(51, wire.Packet![9]); // AH (the walkthrough's Medium)

        // B's inbound queue takes it back to the original, marked as decapsulated for filter INPUT.
        var inboundId = _b.InboundQueue.Enqueue(wire.Packet);
        var received = await _b.InboundQueue.VerdictAsync(inboundId).WaitAsync(Patience);
        Assert.True(received.Accepted);
        Assert.Equal(request, received.Packet);
        Assert.Equal(new Rampart.DataPath.Linux.NetfilterRuleSet().DecapsulatedMark, received.Mark);
    }

    [Fact]
    public async Task SilentPeer_RequestSecurity_ReleasesTheHeldPacketInClear_WhenTheFallbackEnds()
    {
        await _a.AssignAsync(TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
        _network.LinkUp = false;
        var request = TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB);

        Assert.Equal(PacketAction.Held, _a.Send(request).Action);
        await _a.WhenIdleAsync();
        _time.Advance(TimeSpan.FromMilliseconds(2999));
        await _a.WhenIdleAsync();
        Assert.Empty(_a.Exit.Released);

        // The fallback's own timer settles the binding, and the packet leaves with it: no data path tick in between.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _a.WhenIdleAsync();
        Assert.Equal(request, Assert.Single(_a.Exit.Released));
        Assert.Equal(BindingStatus.Soft, Assert.Single(_a.DataPath.Bindings()).Status);
    }

    [Fact]
    public async Task AcquireRaisedUnderAPolicyBeingReplaced_IsEvaluatedUnderTheNewPolicy_NeverParked()
    {
        await _a.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _network.LinkUp = false;

        // The loop is busy while the policy change is posted, and then a packet of the old policy raises an acquire.
        using var busy = new ManualResetEventSlim();
        var blocking = _a.Inbox.InvokeAsync(() => busy.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None);
        var server = TestPolicies.BuiltIn(Core.Policy.BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123");
        var change = _a.AssignAsync(server);
        Assert.Equal(PacketAction.Held, _a.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB)).Action);
        Assert.Equal("Partner", _a.DataPath.Policy.PolicyName);
        busy.Set();
        await blocking;
        await change;
        await _a.WhenIdleAsync();

        // The change dropped the old policy's held packet; the acquire then negotiated under Server, which falls back.
        Assert.Single(_a.Exit.Dropped);
        Assert.Equal(1, _a.Service.LatestStatus.Statistics.PendingKeyOperations);
        _time.Advance(TimeSpan.FromSeconds(3));
        await _a.WhenIdleAsync();
        var soft = Assert.Single(_a.DataPath.Bindings());
        Assert.Equal(BindingStatus.Soft, soft.Status);
        Assert.Equal(server.Compiled.PolicyName, soft.PolicyName);
    }

    [Fact]
    public async Task PolicyAssign_AnswersOnceTheDataPathAndIkeEnforceIt_IncludingIkesDeletes()
    {
        await _a.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        await _b.AssignAsync(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _a.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB));
        await SettleAsync();
        Assert.Equal(2, _a.Database.Count); // one SA each way

        await _a.AssignAsync(AppliedPolicy.None);

        // Answered: the data path has no policy and no SA, the peer was sent the deletes, the state says so.
        Assert.False(_a.DataPath.Policy.IsAssigned);
        Assert.Equal(0, _a.Database.Count);
        Assert.Equal(PolicyEnforcementState.NoPolicy, _a.Policy.Enforcement.State);
        await SettleAsync();
        Assert.Equal(0, _b.Database.Count);
    }

    [Fact]
    public async Task ReplyHeldBetweenQuickModeTwoAndThree_LeavesProtected_WhenThreeInstallsItsSa_WithoutASecondNegotiation()
    {
        const int QuickModeThree = 5; // A's messages: MM1, MM3, MM5, QM1, QM3
        await _a.AssignAsync(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        await _b.AssignAsync(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _network.HoldWhile = (from, _) => from.Equals(TestPolicies.HostA) && _a.Transport.Sent >= QuickModeThree;

        _a.Send(TestPackets.Udp(TestPolicies.HostA, TestPolicies.HostB));
        await SettleAsync();
        var request = new Rampart.DataPath.Buffers.PacketBuffer();
        request.Load(Assert.Single(_a.Exit.Released));
        Assert.Equal(PacketAction.AcceptModified, _b.DataPath.ProcessInbound(request).Action);

        // B's reply: its inbound SA is there (Quick Mode 2), its outbound one waits for Quick Mode 3.
        Assert.Equal(PacketAction.Held, _b.Send(TestPackets.Udp(TestPolicies.HostB, TestPolicies.HostA)).Action);
        await SettleAsync();
        Assert.Empty(_b.Exit.Released);
        Assert.Equal(0, _b.Service.LatestStatus.Statistics.PendingKeyOperations);

        _network.ReleaseHeldBack();
        await SettleAsync();
        var reply = new Rampart.DataPath.Buffers.PacketBuffer();
        reply.Load(Assert.Single(_b.Exit.Released));
        Assert.Equal(PacketAction.AcceptModified, _a.DataPath.ProcessInbound(reply).Action);
        Assert.Equal(1, _b.Service.LatestStatus.Statistics.QuickModes);
        Assert.Equal(2, _b.Database.Count);
    }

    /// <summary>Waits until both loops are idle and no datagram was sent meanwhile.</summary>
    private async Task SettleAsync()
    {
        for (var round = 0; round < 100; round++)
        {
            var sent = _network.Sent;
            await _a.WhenIdleAsync();
            await _b.WhenIdleAsync();
            if (_network.Sent == sent)
            {
                return;
            }
        }

        Assert.Fail("the agents kept sending");
    }
}
