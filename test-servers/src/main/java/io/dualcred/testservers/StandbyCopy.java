package io.dualcred.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;

/**
 * A physical base backup of a running server, taken the way {@code pg_basebackup} does it but with SQL and a file
 * copy, because the zonky binaries ship only {@code initdb}, {@code pg_ctl} and {@code postgres}.
 *
 * <p>The steps: a physical replication slot is created with its WAL reserved at once, so that the primary keeps
 * every segment the standby will ask for; {@code pg_backup_start} forces a checkpoint; the data directory is copied
 * while the server runs (files changing underneath are fine, replay from the checkpoint repairs them);
 * {@code pg_backup_stop} returns the {@code backup_label} that tells the standby where replay must begin. The copy
 * leaves out what belongs to the running primary alone: its WAL (the standby streams it through the slot), its
 * lock and pid files, replication slots and temporary statistics.
 */
final class StandbyCopy {

    /** Top-level entries whose content is not copied (the directory itself is recreated empty). */
    private static final Set<String> EMPTIED = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem",
            "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");
    /** Top-level files that describe the running primary, not its data. */
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            "backup_label", "tablespace_map", "standby.signal", "recovery.signal");

    private StandbyCopy() {
    }

    /**
     * @param superuser a superuser session on the primary; the backup lives as long as this session, so it is held
     *     from start to stop
     * @param source the primary's data directory
     * @param target the standby's data directory, which must not exist yet
     * @param slot the name of the physical replication slot to create for the standby
     */
    static void take(Connection superuser, Path source, Path target, String slot) {
        try {
            run(superuser, "SELECT pg_create_physical_replication_slot(?, true)", slot);
            run(superuser, "SELECT pg_backup_start(?, true)", "dualcred standby " + slot);
            copy(source, target);
            String label;
            try (PreparedStatement stop = superuser.prepareStatement("SELECT labelfile FROM pg_backup_stop(false)");
                 ResultSet row = stop.executeQuery()) {
                row.next();
                label = row.getString(1);
            }
            Support.write(target.resolve("backup_label"), label);
            Support.write(target.resolve("standby.signal"), "");
        } catch (SQLException e) {
            throw new IllegalStateException("taking a base backup of " + source + " failed: " + e.getMessage()
                    + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static void run(Connection connection, String sql, String argument) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, argument);
            statement.executeQuery().close();
        }
    }

    private static void copy(Path source, Path target) {
        try {
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                        throws IOException {
                    Path copy = target.resolve(source.relativize(directory).toString());
                    Files.createDirectories(copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwx------"));
                    boolean topLevel = source.equals(directory.getParent());
                    return topLevel && EMPTIED.contains(directory.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    if (source.equals(file.getParent()) && SKIPPED.contains(file.getFileName().toString())) {
                        return FileVisitResult.CONTINUE;
                    }
                    try {
                        Files.copy(file, target.resolve(source.relativize(file).toString()),
                                StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException removedMeanwhile) {
                        // the running server dropped it (a temporary file): replay does not need it
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                    if (failure instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw failure;
                }
            });
            Files.createDirectories(target.resolve("pg_wal").resolve("archive_status"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + source + " to " + target, e);
        }
    }
}
