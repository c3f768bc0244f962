using System.Net.Sockets;

namespace Rampart.Agent.Control;

/// <summary>
/// Who is at the other end of a control connection, as the kernel recorded it when the peer connected
/// (SO_PEERCRED: pid, uid, gid; SO_PEERGROUPS: its supplementary groups). The peer cannot forge these.
/// </summary>
public sealed record PeerCredentials(int ProcessId, uint UserId, uint GroupId, IReadOnlyList<uint> SupplementaryGroups)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int SoPeerGroups = 59;

    public bool IsInGroup(uint group) => GroupId == group || SupplementaryGroups.Contains(group);

    public static PeerCredentials Of(Socket connection)
    {
        ArgumentNullException.ThrowIfNull(connection);

        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        if (connection.GetRawSocketOption(SolSocket, SoPeerCred, credentials) != credentials.Length)
        {
            throw new SocketException((int)SocketError.ProtocolNotSupported);
        }

        return new PeerCredentials(
            BitConverter.ToInt32(credentials),
            BitConverter.ToUInt32(credentials[4..]),
            BitConverter.ToUInt32(credentials[8..]),
            Groups(connection));
    }

    private static uint[] Groups(Socket connection)
    {
        // Most users are in a few groups; the kernel answers ERANGE when the buffer is too small, then try the maximum.
        foreach (var count in new[] { 64, 65536 })
        {
            var buffer = new byte[count * sizeof(uint)];
            try
            {
                var length = connection.GetRawSocketOption(SolSocket, SoPeerGroups, buffer);
                var groups = new uint[length / sizeof(uint)];
                for (var i = 0; i < groups.Length; i++)
                {
                    groups[i] = BitConverter.ToUInt32(buffer, i * sizeof(uint));
                }

                return groups;
            }
            catch (SocketException) when (count < 65536)
            {
            }
        }

        return [];
    }
}
