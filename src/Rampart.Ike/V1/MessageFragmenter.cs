using System.Net;
using System.Net.Sockets;
using Rampart.Core;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Sends an ISAKMP SA's messages to a peer that announced the FRAGMENTATION vendor ID: a message that would make an IP
/// packet larger than <see cref="IkeV1EngineOptions.FragmentSize"/> leaves as fragments, each a whole ISAKMP message
/// with the SA's cookies carrying the next slice of the original's bytes (header and, when encrypted, ciphertext).
/// <paramref name="fragmentSize"/> is at least <see cref="IkeV1EngineOptions.MinFragmentSize"/> (the engine checks).
/// </summary>
internal sealed class MessageFragmenter(int fragmentSize, IkeV1Counters counters)
{
    private const int Ipv4Header = 20;
    private const int Ipv6Header = 40;
    private const int UdpHeader = 8;
    private const int NonEspMarker = 4;

    /// <summary>Sends <paramref name="message"/> whole if it fits, else in fragments (the same ones on every retransmission).</summary>
    public void Send(byte[] message, IPEndPoint local, IPEndPoint remote, List<IkeAction> actions)
    {
        var largest = LargestDatagram(local, remote);
        var slice = largest - IkeFragment.Overhead;
        var count = (message.Length + slice - 1) / slice;
        if (message.Length <= largest || count > byte.MaxValue)
        {
            // Past 255 fragments the numbering cannot say it: leave the splitting to IP.
            actions.Add(new SendDatagram(local, remote, message));
            return;
        }

        if (!IsakmpHeader.TryParse(message, out var header, out _))
        {
            throw new ArgumentException("not an ISAKMP message", nameof(message));
        }

        var id = FragmentId(message);
        for (var number = 1; number <= count; number++)
        {
            var data = message.AsSpan((number - 1) * slice, Math.Min(slice, message.Length - ((number - 1) * slice)));
            var fragment = new IkeFragment(id, (byte)number, number == count, data);
            actions.Add(new SendDatagram(local, remote, fragment.ToMessage(header.InitiatorCookie, header.ResponderCookie)));
        }

        counters.FragmentsSent += count;
    }

    /// <summary>The largest bare ISAKMP message that keeps the IP packet within the fragment size.</summary>
    private int LargestDatagram(IPEndPoint local, IPEndPoint remote)
    {
        var ip = remote.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6Header : Ipv4Header;
        var marker = local.Port == IkePorts.NatTraversal || remote.Port == IkePorts.NatTraversal ? NonEspMarker : 0;
        return fragmentSize - ip - UdpHeader - marker;
    }

    /// <summary>
    /// The same message keeps its ID on every retransmission, so a receiver can complete one reassembly from the
    /// fragments of several; different messages get different IDs (with 1 - 2^-16 odds), which tells a receiver to
    /// start afresh. Never 0, which some implementations treat as unset.
    /// </summary>
    private static ushort FragmentId(byte[] message)
    {
        var hash = new HashCode();
        hash.AddBytes(message);
        var id = (ushort)hash.ToHashCode();
        return id == 0 ? (ushort)1 : id;
    }
}
