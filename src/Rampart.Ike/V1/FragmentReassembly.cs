using System.Net;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Puts received IKE fragments back together, keyed by sender address, cookies and fragment ID, with every bound a
/// hostile sender could push on: fragments per message, bytes per message, reassemblies per address and in all (the
/// oldest dropped past them), and a timeout on the engine's clock. Fragments may come in any order; a repeated one is
/// ignored when it is the same and restarts the reassembly when it differs (a newer message reusing the ID).
/// </summary>
internal sealed class FragmentReassembly(IkeV1EngineOptions options, IkeV1Counters counters)
{
    private readonly Dictionary<Key, Pending> _pending = [];
    private readonly LinkedList<Pending> _oldestFirst = [];
    private readonly Dictionary<IPAddress, int> _perPeer = [];

    public int Count => _pending.Count;

    /// <summary>
    /// Adds one fragment; returns the original message once its last missing fragment arrives, else null. The bytes
    /// returned are the fragments' data joined: whether they make a message with the same cookies is the caller's check.
    /// </summary>
    public byte[]? Add(in IsakmpHeader header, in IkeFragment fragment, IPAddress remote, DateTimeOffset now)
    {
        Expire(now);
        var key = new Key(remote, header.InitiatorCookie, header.ResponderCookie, fragment.Id);
        _pending.TryGetValue(key, out var pending);
        if (fragment.Number > options.MaxFragmentsPerMessage)
        {
            if (pending is null)
            {
                counters.ReassembliesDropped++;
            }

            Drop(pending);
            return null;
        }

        if (pending?.Parts[fragment.Number - 1] is { } seen)
        {
            if (fragment.Data.SequenceEqual(seen) && fragment.IsLast == (pending.Last == fragment.Number))
            {
                return null;
            }

            Drop(pending);
            pending = null;
        }

        pending ??= Start(key, now);
        if (!pending.TryAdd(fragment, options.MaxReassembledBytes))
        {
            Drop(pending);
            return null;
        }

        if (!pending.IsComplete)
        {
            return null;
        }

        Remove(pending);
        counters.MessagesReassembled++;
        return pending.Join();
    }

    /// <summary>Drops the reassemblies older than the timeout.</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_oldestFirst.First is { } oldest && now - oldest.Value.Started >= options.ReassemblyTimeout)
        {
            Drop(oldest.Value);
        }
    }

    public void Clear()
    {
        _pending.Clear();
        _oldestFirst.Clear();
        _perPeer.Clear();
    }

    private Pending Start(Key key, DateTimeOffset now)
    {
        _perPeer.TryGetValue(key.Remote, out var fromPeer);
        if (fromPeer >= options.MaxReassembliesPerPeer)
        {
            Drop(_oldestFirst.First(p => p.Key.Remote.Equals(key.Remote)));
        }

        if (_pending.Count >= options.MaxReassemblies)
        {
            Drop(_oldestFirst.First!.Value);
        }

        var pending = new Pending(key, now, options.MaxFragmentsPerMessage);
        pending.Node = _oldestFirst.AddLast(pending);
        _pending.Add(key, pending);
        _perPeer[key.Remote] = _perPeer.GetValueOrDefault(key.Remote) + 1;
        return pending;
    }

    private void Drop(Pending? pending)
    {
        if (pending is not null)
        {
            Remove(pending);
            counters.ReassembliesDropped++;
        }
    }

    private void Remove(Pending pending)
    {
        _pending.Remove(pending.Key);
        _oldestFirst.Remove(pending.Node!);
        if (--_perPeer[pending.Key.Remote] == 0)
        {
            _perPeer.Remove(pending.Key.Remote);
        }
    }

    private readonly record struct Key(IPAddress Remote, ulong CookieI, ulong CookieR, ushort Id);

    /// <summary>The fragments of one message so far, by number.</summary>
    private sealed class Pending(Key key, DateTimeOffset started, int maxFragments)
    {
        private int _received;
        private int _bytes;

        public Key Key { get; } = key;

        public DateTimeOffset Started { get; } = started;

        public LinkedListNode<Pending>? Node { get; set; }

        public byte[]?[] Parts { get; } = new byte[]?[maxFragments];

        /// <summary>The number of the fragment flagged last; 0 until it arrives.</summary>
        public int Last { get; private set; }

        public bool IsComplete => Last != 0 && _received == Last;

        /// <summary>False when the fragment contradicts the others (a second last one, a number past the last) or the bytes overflow.</summary>
        public bool TryAdd(in IkeFragment fragment, int maxBytes)
        {
            var number = fragment.Number;
            if (fragment.IsLast)
            {
                if (Last != 0 || Parts.Skip(number).Any(p => p is not null))
                {
                    return false;
                }

                Last = number;
            }
            else if (Last != 0 && number > Last)
            {
                return false;
            }

            _bytes += fragment.Data.Length;
            if (_bytes > maxBytes)
            {
                return false;
            }

            Parts[number - 1] = fragment.Data.ToArray();
            _received++;
            return true;
        }

        public byte[] Join()
        {
            var message = new byte[_bytes];
            var offset = 0;
            foreach (var part in Parts.AsSpan(0, Last))
            {
                part!.CopyTo(message, offset);
                offset += part.Length;
            }

            return message;
        }
    }
}
