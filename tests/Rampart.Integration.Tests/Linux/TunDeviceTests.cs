using System.Buffers.Binary;
using Rampart.DataPath.Linux;
using Rampart.Integration.Tests.Harness;

namespace Rampart.Integration.Tests.Linux;

/// <summary>A TUN device in a namespace: a written echo request is answered by the kernel through the device.</summary>
[Collection(NetnsCollection.Name)]
public sealed class TunDeviceTests
{
    private static readonly byte[] DeviceAddress = [198, 51, 100, 1];
    private static readonly byte[] RemoteAddress = [198, 51, 100, 2];

    [Fact]
    public void WriteEchoRequest_KernelReplies_ReplyIsReadFromDevice()
    {
        using var pair = new NetworkNamespacePair();
        using var tun = NetworkNamespace.Run(pair.A, () => TunDevice.Open("rpt-tun0"));
        Assert.Equal("rpt-tun0", tun.Name);
        NetworkNamespacePair.Exec(pair.A, "sysctl", "-qw", "net.ipv6.conf.rpt-tun0.disable_ipv6=1").EnsureSuccess("disable IPv6 on the TUN");
        Shell.Run("ip", "-n", pair.A, "addr", "add", "198.51.100.1/24", "dev", "rpt-tun0").EnsureSuccess("address");
        Shell.Run("ip", "-n", pair.A, "link", "set", "rpt-tun0", "up").EnsureSuccess("up");

        tun.Write(BuildEchoRequest(identifier: 0x5250, sequence: 7));

        byte[] buffer = new byte[2048];
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (!tun.TryRead(buffer, 200, out int length))
            {
                continue;
            }

            var reply = buffer.AsSpan(0, length);
            if (reply[0] >> 4 != 4 || reply[9] != 1 || reply[20] != 0)
            {
                continue;
            }

            Assert.Equal(DeviceAddress, reply.Slice(12, 4).ToArray());
            Assert.Equal(RemoteAddress, reply.Slice(16, 4).ToArray());
            Assert.Equal(0x5250, BinaryPrimitives.ReadUInt16BigEndian(reply[24..]));
            Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(reply[26..]));
            return;
        }

        Assert.Fail("no echo reply came out of the TUN device");
    }

    private static byte[] BuildEchoRequest(ushort identifier, ushort sequence)
    {
        byte[] packet = new byte[20 + 8 + 16];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 1;
        RemoteAddress.CopyTo(packet, 12);
        DeviceAddress.CopyTo(packet, 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, 20)));
        packet[20] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), identifier);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(26), sequence);
        packet.AsSpan(28).Fill(0xab);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), Checksum(packet.AsSpan(20)));
        return packet;
    }

    /// <summary>RFC 1071 Internet checksum.</summary>
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
