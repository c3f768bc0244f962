using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Between the responder's Quick Mode message 2 and the initiator's message 3: the initiator already sends, the
/// responder already decrypts (its inbound SA came with message 2) and holds its replies until message 3 installs
/// its outbound SA, without negotiating a second pair for them.
/// </summary>
public sealed class ResponderQuickModeTests : IDisposable
{
    private const int QuickModeThree = 5; // the initiator's messages: MM1, MM3, MM5, QM1, QM3

    private readonly ControllerPair _pair = new();

    [Fact]
    public void InitiatorsFirstPacket_IsDecrypted_BeforeQuickModeThree_AndTheReplyWaitsForIt()
    {
        _pair.A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB));
        _pair.B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA));
        _pair.A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(_pair.A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        DeliverUntilQuickModeThreeIsSent();
        Assert.Equal(1, _pair.A.Controller.InstalledPairs);
        Assert.Equal(0, _pair.B.Controller.InstalledPairs);

        // ControllerPair.Send asserts that B's data path decrypts what A's protected.
        Assert.Equal(PacketAction.AcceptModified, _pair.Send(_pair.A).Action);
        var exit = new InMemoryPacketExit();
        Assert.Equal(PacketAction.Held, _pair.Send(_pair.B, exit).Action);
        Assert.True(_pair.B.DataPath.Acquires.TryRead(out var reply));
        _pair.B.Controller.OnAcquire(reply);
        Assert.Empty(_pair.B.Outbox);
        Assert.Equal(0, _pair.B.Controller.Statistics().PendingKeyOperations);

        _pair.Deliver();

        Assert.Equal(1, _pair.B.Controller.InstalledPairs);
        Assert.Equal(1, _pair.A.Controller.InstalledPairs);
        Assert.Single(exit.Released);
        Assert.Equal(4, _pair.B.DataPath.Database.Count + _pair.A.DataPath.Database.Count);
    }

    public void Dispose() => _pair.Dispose();

    private void DeliverUntilQuickModeThreeIsSent()
    {
        for (var round = 0; round < 20 && _pair.A.SentCount < QuickModeThree; round++)
        {
            foreach (var (from, to) in new[] { (_pair.A, _pair.B), (_pair.B, _pair.A) })
            {
                var batch = from.Outbox.ToList();
                from.Outbox.Clear();
                batch.ForEach(send => to.Controller.OnDatagram(send.Datagram, send.Remote, send.Local));
                if (_pair.A.SentCount >= QuickModeThree)
                {
                    return;
                }
            }
        }
    }
}
