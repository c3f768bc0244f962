using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.Tests.Ipsec;

public class SequenceAndAllocationTests
{
    [Fact]
    public void Protect_At32BitLimitWithoutEsn_RefusesAndRaisesEventOnce()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None);
        using var hosts = new TwoHosts(outbound, inbound);
        var raised = new List<SecurityAssociation>();
        hosts.DatabaseA.SequenceExhausted += raised.Add;
        hosts.Outbound.SetLastSentSequence(uint.MaxValue - 1);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 10);
        var buffer = new PacketBuffer();

        buffer.Load(plain);
        Assert.Equal(PacketStatus.Ok, hosts.A.Protect(hosts.Outbound, buffer));
        buffer.Load(plain);
        Assert.Equal(PacketStatus.SequenceExhausted, hosts.A.Protect(hosts.Outbound, buffer));
        buffer.Load(plain);
        Assert.Equal(PacketStatus.SequenceExhausted, hosts.A.Protect(hosts.Outbound, buffer));

        Assert.Equal([hosts.Outbound], raised);
        Assert.Contains(hosts.DatabaseA.Expire(), e => e.Kind == SaLifetimeEventKind.SequenceExhausted && e.Sa == hosts.Outbound);
    }

    [Theory]
    [InlineData(CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None)]
    [InlineData(CipherAlgorithm.ChaCha20Poly1305, IntegrityAlgorithm.None)]
    [InlineData(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256)]
    public void Esn_LowHalfWraps_ReceiverInfersHighHalfAndKeepsAccepting(CipherAlgorithm cipher, IntegrityAlgorithm integrity)
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, cipher, integrity, esn: true, window: 128);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 30);
        hosts.Outbound.SetLastSentSequence(uint.MaxValue - 3);

        var wires = Enumerable.Range(0, 8).Select(_ => hosts.Send(plain)).ToArray();

        // Deliver out of order across the 2^32 boundary.
        foreach (var index in new[] { 0, 1, 5, 2, 3, 7, 4, 6 })
        {
            Assert.Equal(PacketStatus.Ok, hosts.Receive(wires[index]).Status);
        }

        Assert.Equal(0x1_0000_0004UL, hosts.Inbound.Replay!.Highest);
        Assert.Equal(PacketStatus.Replay, hosts.Receive(wires[2]).Status);
    }

    [Fact]
    public void Esn_SenderAndReceiverDisagreeOnHighHalf_FailsAuthentication()
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, esn: true);
        using var hosts = new TwoHosts(outbound, inbound);
        hosts.Outbound.SetLastSentSequence(0x5_0000_0000);

        var (status, _) = hosts.Receive(hosts.Send(Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 30)));

        Assert.Equal(PacketStatus.AuthenticationFailed, status);
        Assert.Equal(1, hosts.Inbound.Counters.NotAuthenticated);
    }

    [Theory]
    [InlineData(CipherAlgorithm.AesGcm128)]
    [InlineData(CipherAlgorithm.ChaCha20Poly1305)]
    public void ProtectAndUnprotect_AfterWarmUp_AllocateNothing(CipherAlgorithm cipher)
    {
        var (outbound, inbound) = TestSas.Pair(SaProtocol.Esp, cipher, IntegrityAlgorithm.None, SaMode.Tunnel, udp: true, window: 1024);
        using var hosts = new TwoHosts(outbound, inbound);
        var plain = Packets.Udp(outbound.LocalAddress, outbound.RemoteAddress, 1372);
        var buffer = new PacketBuffer();

        void RoundTrip()
        {
            buffer.Load(plain);
            if (hosts.A.Protect(hosts.Outbound, buffer) != PacketStatus.Ok || hosts.B.Unprotect(buffer, out _) != PacketStatus.Ok)
            {
                throw new InvalidOperationException("round trip failed");
            }
        }

        for (var i = 0; i < 100; i++)
        {
            RoundTrip();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            RoundTrip();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(1100, hosts.Inbound.Counters.PacketsIn);
    }
}
