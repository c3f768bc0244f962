using Microsoft.Extensions.Time.Testing;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;

namespace Rampart.DataPath.Tests;

/// <summary>Host A (sender) and host B (receiver), each with its own SA database, sharing one fake clock.</summary>
internal sealed class TwoHosts : IDisposable
{
    public TwoHosts(SecurityAssociationSpec outbound, SecurityAssociationSpec inbound, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider();
        DatabaseA = new SecurityAssociationDatabase(Time);
        DatabaseB = new SecurityAssociationDatabase(Time);
        Outbound = DatabaseA.AddOutbound(new Binding(0, 0, 1, 2, false), outbound, out _);
        Assert.True(DatabaseB.TryAddInbound(inbound, out var sa));
        Inbound = sa;
        A = new IpsecProcessor(DatabaseA);
        B = new IpsecProcessor(DatabaseB);
    }

    public FakeTimeProvider Time { get; }
    public SecurityAssociationDatabase DatabaseA { get; }
    public SecurityAssociationDatabase DatabaseB { get; }
    public SecurityAssociation Outbound { get; }
    public SecurityAssociation Inbound { get; }
    public IpsecProcessor A { get; }
    public IpsecProcessor B { get; }

    /// <summary>Protects <paramref name="plain"/> on A and returns the wire bytes.</summary>
    public byte[] Send(byte[] plain)
    {
        var buffer = new PacketBuffer();
        buffer.Load(plain);
        Assert.Equal(PacketStatus.Ok, A.Protect(Outbound, buffer));
        return buffer.Span.ToArray();
    }

    /// <summary>Delivers wire bytes to B; returns the status and what is left in the buffer.</summary>
    public (PacketStatus Status, byte[] Packet) Receive(byte[] wire)
    {
        var buffer = new PacketBuffer();
        buffer.Load(wire);
        var status = B.Unprotect(buffer, out _);
        return (status, buffer.Span.ToArray());
    }

    public void Dispose()
    {
        DatabaseA.Dispose();
        DatabaseB.Dispose();
    }
}
