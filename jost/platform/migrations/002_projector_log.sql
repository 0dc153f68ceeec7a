-- Which log the stored offsets belong to. The embedded broker keeps its log in memory, so a
-- restart brings a new, empty log (a new cluster id): offsets stored for the old one must not
-- be applied to it. The rows stay: the events table is the archive.
CREATE TABLE projector_log (
    topic VARCHAR PRIMARY KEY,
    cluster_id VARCHAR NOT NULL
);
