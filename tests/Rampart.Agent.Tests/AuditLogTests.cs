using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Auditing;
using Rampart.Core.Auditing;

namespace Rampart.Agent.Tests;

public class AuditLogTests
{
    private static readonly AuditField[] Established =
    [
        new("Peer Identity", "Preshared Key ID", "192.0.2.2"),
        new("Peer Identity", "Peer IP Address", "192.0.2.2"),
        new("Filter", "Source IP Address", "192.0.2.1"),
        new("Parameters", "InboundSpi", "3735928559"),
    ];

    [Fact]
    public void Write_ThenReopen_EventIsStillThereWithItsFields()
    {
        using var home = new TempHome();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        using (var log = new AuditLog(home.Path, clock))
        {
            Assert.True(log.Write(AuditEventId.SecurityAssociationEstablished, true, "IKE security association established", Established));
        }

        using var reopened = new AuditLog(home.Path, clock);
        var record = Assert.Single(reopened.Query());
        Assert.Equal(AuditEventId.SecurityAssociationEstablished, record.EventId);
        Assert.True(record.Success);
        Assert.Equal(clock.GetUtcNow(), record.Time);
        Assert.Equal(Established, record.Fields);
    }

    [Fact]
    public void Query_FiltersBySinceAndEventId()
    {
        using var home = new TempHome();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        using var log = new AuditLog(home.Path, clock);
        log.Write(AuditEventId.PeerAuthenticationFailed, false, "auth failed", []);
        clock.Advance(TimeSpan.FromMinutes(5));
        var cut = clock.GetUtcNow();
        log.Write(AuditEventId.SecurityAssociationEstablished, true, "established", []);
        log.Write(AuditEventId.NegotiationFailed, false, "failed", []);

        Assert.Equal([AuditEventId.SecurityAssociationEstablished, AuditEventId.NegotiationFailed], log.Query(since: cut).Select(r => r.EventId));
        Assert.Equal("auth failed", Assert.Single(log.Query(eventId: AuditEventId.PeerAuthenticationFailed)).Summary);
    }

    [Fact]
    public void Settings_SuccessAndFailureAreSwitchedSeparately_AndPersist()
    {
        using var home = new TempHome();
        using (var log = new AuditLog(home.Path))
        {
            log.UpdateSettings(log.Settings with { AuditSuccess = false });
            Assert.False(log.Write(AuditEventId.SecurityAssociationEstablished, true, "established", []));
            Assert.True(log.Write(AuditEventId.NegotiationFailed, false, "failed", []));
        }

        using var reopened = new AuditLog(home.Path);
        Assert.False(reopened.Settings.AuditSuccess);
        Assert.True(reopened.Settings.AuditFailure);
        Assert.Equal(AuditEventId.NegotiationFailed, Assert.Single(reopened.Query()).EventId);
    }

    [Fact]
    public void Write_BeyondMaximum_DropsOldestFirst()
    {
        using var home = new TempHome();
        using var log = new AuditLog(home.Path);
        log.UpdateSettings(log.Settings with { MaximumRecords = 10 });
        for (var i = 0; i < 25; i++)
        {
            log.Write(AuditEventId.NegotiationFailed, false, $"failure {i}", []);
        }

        var records = log.Query();
        Assert.Equal(10, records.Count);
        Assert.Equal("failure 15", records[0].Summary);
        Assert.Equal("failure 24", records[^1].Summary);
    }

    [Fact]
    public void Database_IsReadableByOwnerOnly()
    {
        using var home = new TempHome();
        using var log = new AuditLog(home.Path);
        log.Write(AuditEventId.NegotiationFailed, false, "x", []);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(home.Path, "audit.db")));
    }

    [Fact]
    public void Write_IsCommittedInTheBackground_WithoutAQueryOrStop()
    {
        using var home = new TempHome();
        using var log = new AuditLog(home.Path);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(log.Write(AuditEventId.SecurityAssociationEstablished, true, $"established {i}", Established));
        }

        // A second connection sees only what the background writer committed.
        using var reader = new AuditLog(home.Path);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (reader.Query().Count < 50 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        var records = reader.Query();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"established {i}"), records.Select(r => r.Summary));
        Assert.All(records, r => Assert.Equal(Established, r.Fields));
    }

    [Fact]
    public async Task Write_FromManyThreads_LosesNothing_AndQuerySeesEveryRecord()
    {
        using var home = new TempHome();
        using var log = new AuditLog(home.Path);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                log.Write(AuditEventId.NegotiationFailed, false, $"{t}:{i}", []);
            }
        })));

        var summaries = log.Query().Select(r => r.Summary).ToHashSet();
        Assert.Equal(400, summaries.Count);
        Assert.Contains("3:99", summaries);
    }
}
