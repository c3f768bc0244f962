using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// IKE fragmentation at the engine's edges, negotiated by the FRAGMENTATION vendor ID in MM1 and MM2: what an ISAKMP
/// SA sends goes through its <see cref="MessageFragmenter"/> once the peer announced it, and fragments received are
/// reassembled here, then handled as the message they carried.
/// </summary>
public sealed partial class IkeV1Engine
{
    private readonly int _fragmentSize = options.FragmentSize >= IkeV1EngineOptions.MinFragmentSize
        ? options.FragmentSize
        : throw new ArgumentOutOfRangeException(nameof(options), $"the IKE fragment size must be at least {IkeV1EngineOptions.MinFragmentSize}");

    private MessageFragmenter? _fragmenter;
    private FragmentReassembly? _reassembly;

    private MessageFragmenter Fragmenter => _fragmenter ??= new MessageFragmenter(_fragmentSize, Counters);

    private FragmentReassembly Reassembly => _reassembly ??= new FragmentReassembly(options, Counters);

    /// <summary>Messages whose fragments are partly here, for tests of the bounds.</summary>
    internal int ReassembliesInProgress => _reassembly?.Count ?? 0;

    /// <summary>MM1: announce that we take fragments (and may send them).</summary>
    private void OfferFragmentation(List<IsakmpPayload> payloads)
    {
        if (options.Fragmentation)
        {
            payloads.Add(new VendorIdPayload(VendorIds.Fragmentation));
        }
    }

    /// <summary>MM1 or MM2 received: a peer that announced fragmentation gets fragments from now on.</summary>
    private void ReadFragmentationVendorId(Phase1Sa phase1, IEnumerable<IsakmpPayload> payloads)
    {
        if (options.Fragmentation && payloads.OfType<VendorIdPayload>().Any(v => VendorIds.IsFragmentation(v.Data)))
        {
            phase1.Fragmenter = Fragmenter;
        }
    }

    /// <summary>MM2: announce fragmentation back only to an initiator that announced it.</summary>
    private static void AnswerFragmentation(Phase1Sa phase1, List<IsakmpPayload> reply)
    {
        if (phase1.Fragmenter is not null)
        {
            reply.Add(new VendorIdPayload(VendorIds.Fragmentation));
        }
    }

    /// <summary>
    /// A fragment: kept until its message is whole, which then goes through <see cref="ProcessDatagram"/>. Only MM1
    /// may arrive in fragments for cookies we do not know (the responder cookie is still 0); any other fragment must
    /// name an ISAKMP SA we have, so off-path senders cannot fill the reassembly bounds without the cookies.
    /// </summary>
    private void ReceiveFragment(ReadOnlySpan<byte> datagram, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!options.Fragmentation)
        {
            Counters.Dropped++;
            return;
        }

        if (!IkeFragment.TryParse(datagram, out var header, out var fragment))
        {
            Counters.Malformed++;
            return;
        }

        Counters.FragmentsReceived++;
        if (header.ResponderCookie != 0 && _phase1s.FindByCookies(header) is null)
        {
            Counters.Dropped++;
            return;
        }

        if (Reassembly.Add(header, fragment, remote.Address, now) is not { } message)
        {
            return;
        }

        if (!IsakmpHeader.TryParse(message, out var original, out _)
            || original.NextPayload == PayloadType.Fragment
            || original.InitiatorCookie != header.InitiatorCookie
            || original.ResponderCookie != header.ResponderCookie)
        {
            // Fragments whose joined bytes are not a message of the SA they were sent under (or are fragments again).
            Counters.ReassembliesDropped++;
            Log(actions, 60, $"dropped a message reassembled from fragments of {remote}: not an ISAKMP message with their cookies");
            return;
        }

        Log(actions, 61, $"reassembled a {message.Length}-byte message from fragments of {remote}");
        ProcessDatagram(message, local, remote, now, actions);
    }
}
