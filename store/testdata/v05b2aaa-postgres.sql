--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: river_job_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);


--
-- Name: river_job_state_in_bitmask(bit, public.river_job_state); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.river_job_state_in_bitmask(bitmask bit, state public.river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: lb_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lb_attempts (
    id bigint NOT NULL,
    lead_id bigint NOT NULL,
    at bigint NOT NULL,
    status_code integer NOT NULL,
    outcome text NOT NULL,
    error text DEFAULT ''::text NOT NULL
);


--
-- Name: lb_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.lb_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: lb_attempts_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.lb_attempts_id_seq OWNED BY public.lb_attempts.id;


--
-- Name: lb_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lb_events (
    id bigint NOT NULL,
    source text NOT NULL,
    dedupe_key text NOT NULL,
    status text NOT NULL,
    received_at bigint NOT NULL,
    content_type text DEFAULT ''::text NOT NULL,
    headers text DEFAULT '{}'::text NOT NULL,
    payload bytea NOT NULL
);


--
-- Name: lb_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.lb_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: lb_events_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.lb_events_id_seq OWNED BY public.lb_events.id;


--
-- Name: lb_leads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lb_leads (
    id bigint NOT NULL,
    event_id bigint NOT NULL,
    idx integer NOT NULL,
    source text NOT NULL,
    dedupe_key text NOT NULL,
    status text NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    body bytea,
    attempts integer DEFAULT 0 NOT NULL,
    partnero_id text DEFAULT ''::text NOT NULL,
    last_error text DEFAULT ''::text NOT NULL,
    fallback_used integer DEFAULT 0 NOT NULL,
    enqueued integer DEFAULT 0 NOT NULL,
    queued_at bigint NOT NULL,
    next_at bigint DEFAULT 0 NOT NULL,
    updated_at bigint NOT NULL,
    gen integer DEFAULT 0 NOT NULL
);


--
-- Name: lb_leads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.lb_leads_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: lb_leads_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.lb_leads_id_seq OWNED BY public.lb_leads.id;


--
-- Name: lb_schema; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.lb_schema (
    version integer NOT NULL
);


--
-- Name: river_job; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_job (
    id bigint NOT NULL,
    state public.river_job_state DEFAULT 'available'::public.river_job_state NOT NULL,
    attempt smallint DEFAULT 0 NOT NULL,
    max_attempts smallint DEFAULT 25 NOT NULL,
    attempted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    priority smallint DEFAULT 1 NOT NULL,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    queue text DEFAULT 'default'::text NOT NULL,
    tags character varying(255)[] DEFAULT '{}'::character varying[] NOT NULL,
    unique_key bytea,
    unique_states bit(8),
    CONSTRAINT finalized_or_finalized_at_null CHECK ((((finalized_at IS NULL) AND (state <> ALL (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))) OR ((finalized_at IS NOT NULL) AND (state = ANY (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))))),
    CONSTRAINT kind_length CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128))),
    CONSTRAINT max_attempts_is_positive CHECK ((max_attempts > 0)),
    CONSTRAINT priority_in_range CHECK (((priority >= 1) AND (priority <= 4))),
    CONSTRAINT queue_length CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))
);


--
-- Name: river_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.river_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_job_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.river_job_id_seq OWNED BY public.river_job.id;


--
-- Name: river_leader; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.river_leader (
    elected_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    leader_id text NOT NULL,
    name text DEFAULT 'default'::text NOT NULL,
    CONSTRAINT leader_id_length CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128))),
    CONSTRAINT name_length CHECK ((name = 'default'::text))
);


--
-- Name: river_migration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_migration (
    line text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT line_length CHECK (((char_length(line) > 0) AND (char_length(line) < 128))),
    CONSTRAINT version_gte_1 CHECK ((version >= 1))
);


--
-- Name: river_notification; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_notification (
    id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (((length(topic) > 0) AND (length(topic) < 128)))
);


--
-- Name: river_notification_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.river_notification_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_notification_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.river_notification_id_seq OWNED BY public.river_notification.id;


--
-- Name: river_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: lb_attempts id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_attempts ALTER COLUMN id SET DEFAULT nextval('public.lb_attempts_id_seq'::regclass);


--
-- Name: lb_events id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_events ALTER COLUMN id SET DEFAULT nextval('public.lb_events_id_seq'::regclass);


--
-- Name: lb_leads id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_leads ALTER COLUMN id SET DEFAULT nextval('public.lb_leads_id_seq'::regclass);


--
-- Name: river_job id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job ALTER COLUMN id SET DEFAULT nextval('public.river_job_id_seq'::regclass);


--
-- Name: river_notification id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_notification ALTER COLUMN id SET DEFAULT nextval('public.river_notification_id_seq'::regclass);


--
-- Data for Name: lb_attempts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.lb_attempts VALUES (1, 2, 1796538901702, 201, 'delivered', '');
INSERT INTO public.lb_attempts VALUES (2, 1, 1796538901705, 201, 'delivered', '');
INSERT INTO public.lb_attempts VALUES (3, 3, 1796538902202, 201, 'delivered', '');
INSERT INTO public.lb_attempts VALUES (4, 4, 1796538903831, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (5, 6, 1796538904341, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (6, 5, 1796538904344, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (7, 8, 1796538904842, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (8, 7, 1796538905342, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (9, 9, 1796538905842, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (10, 10, 1796538906342, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (11, 11, 1796538906848, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (12, 12, 1796538907343, 503, 'retry', 'Service Unavailable');
INSERT INTO public.lb_attempts VALUES (13, 13, 1796538907424, 0, 'interrupted', 'stopped before sending');
INSERT INTO public.lb_attempts VALUES (14, 14, 1796538907426, 0, 'interrupted', 'stopped before sending');
INSERT INTO public.lb_attempts VALUES (15, 15, 1796538907591, 503, 'retry', 'Service Unavailable');


--
-- Data for Name: lb_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.lb_events VALUES (2, 'fixture', 'k:delivered-2', 'delivered', 1796538901455, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2264656c6976657265642d32222c226e616d65223a224c6561642064656c6976657265642d32222c22656d61696c223a2264656c6976657265642d32406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (1, 'fixture', 'k:delivered-1', 'delivered', 1796538901339, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2264656c6976657265642d31222c226e616d65223a224c6561642064656c6976657265642d31222c22656d61696c223a2264656c6976657265642d31406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (3, 'fixture', 'k:delivered-3', 'delivered', 1796538901697, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2264656c6976657265642d33222c226e616d65223a224c6561642064656c6976657265642d33222c22656d61696c223a2264656c6976657265642d33406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (4, 'fixture', 'k:waiting-1', 'retrying', 1796538903745, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d31222c226e616d65223a224c6561642077616974696e672d31222c22656d61696c223a2277616974696e672d31406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (6, 'fixture', 'k:waiting-3', 'retrying', 1796538904108, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d33222c226e616d65223a224c6561642077616974696e672d33222c22656d61696c223a2277616974696e672d33406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (5, 'fixture', 'k:waiting-2', 'retrying', 1796538903817, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d32222c226e616d65223a224c6561642077616974696e672d32222c22656d61696c223a2277616974696e672d32406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (8, 'fixture', 'k:waiting-5', 'retrying', 1796538904163, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d35222c226e616d65223a224c6561642077616974696e672d35222c22656d61696c223a2277616974696e672d35406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (7, 'fixture', 'k:waiting-4', 'retrying', 1796538904144, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d34222c226e616d65223a224c6561642077616974696e672d34222c22656d61696c223a2277616974696e672d34406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (9, 'fixture', 'k:waiting-6', 'retrying', 1796538904194, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d36222c226e616d65223a224c6561642077616974696e672d36222c22656d61696c223a2277616974696e672d36406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (10, 'fixture', 'k:waiting-7', 'retrying', 1796538904214, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d37222c226e616d65223a224c6561642077616974696e672d37222c22656d61696c223a2277616974696e672d37406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (11, 'fixture', 'k:waiting-8', 'retrying', 1796538904238, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d38222c226e616d65223a224c6561642077616974696e672d38222c22656d61696c223a2277616974696e672d38406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (12, 'fixture', 'k:waiting-9', 'retrying', 1796538904305, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d39222c226e616d65223a224c6561642077616974696e672d39222c22656d61696c223a2277616974696e672d39406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (13, 'fixture', 'k:waiting-10', 'retrying', 1796538904340, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d3130222c226e616d65223a224c6561642077616974696e672d3130222c22656d61696c223a2277616974696e672d3130406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (14, 'fixture', 'k:waiting-11', 'retrying', 1796538904397, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d3131222c226e616d65223a224c6561642077616974696e672d3131222c22656d61696c223a2277616974696e672d3131406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (15, 'fixture', 'k:waiting-12', 'retrying', 1796538904413, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a2277616974696e672d3132222c226e616d65223a224c6561642077616974696e672d3132222c22656d61696c223a2277616974696e672d3132406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (16, 'fixture', 'k:nojob-2', 'queued', 1796538907855, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a226e6f6a6f622d32222c226e616d65223a224c656164206e6f6a6f622d32222c22656d61696c223a226e6f6a6f622d32406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (17, 'fixture', 'k:nojob-1', 'queued', 1796538907902, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a226e6f6a6f622d31222c226e616d65223a224c656164206e6f6a6f622d31222c22656d61696c223a226e6f6a6f622d31406578616d706c652e636f6d222c22726566223a227031227d');
INSERT INTO public.lb_events VALUES (18, 'fixture', 'k:nojob-3', 'queued', 1796538907902, 'application/json', '{"Content-Type":"application/json","User-Agent":"curl/7.88.1"}', '\x7b226964223a226e6f6a6f622d33222c226e616d65223a224c656164206e6f6a6f622d33222c22656d61696c223a226e6f6a6f622d33406578616d706c652e636f6d222c22726566223a227031227d');


--
-- Data for Name: lb_leads; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.lb_leads VALUES (2, 2, 0, 'fixture', 'k:delivered-2', 'delivered', '', '\x7b226e616d65223a224c6561642064656c6976657265642d32222c22656d61696c223a2264656c6976657265642d32406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '4', '', 0, 1, 1796538901455, 0, 1796538901702, 0);
INSERT INTO public.lb_leads VALUES (1, 1, 0, 'fixture', 'k:delivered-1', 'delivered', '', '\x7b226e616d65223a224c6561642064656c6976657265642d31222c22656d61696c223a2264656c6976657265642d31406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '5', '', 0, 1, 1796538901339, 0, 1796538901705, 0);
INSERT INTO public.lb_leads VALUES (3, 3, 0, 'fixture', 'k:delivered-3', 'delivered', '', '\x7b226e616d65223a224c6561642064656c6976657265642d33222c22656d61696c223a2264656c6976657265642d33406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '6', '', 0, 1, 1796538901697, 0, 1796538902202, 0);
INSERT INTO public.lb_leads VALUES (4, 4, 0, 'fixture', 'k:waiting-1', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d31222c22656d61696c223a2277616974696e672d31406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538903745, 1796542503831, 1796538903831, 0);
INSERT INTO public.lb_leads VALUES (6, 6, 0, 'fixture', 'k:waiting-3', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d33222c22656d61696c223a2277616974696e672d33406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904108, 1796542504341, 1796538904341, 0);
INSERT INTO public.lb_leads VALUES (5, 5, 0, 'fixture', 'k:waiting-2', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d32222c22656d61696c223a2277616974696e672d32406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538903817, 1796542836671, 1796538904344, 0);
INSERT INTO public.lb_leads VALUES (8, 8, 0, 'fixture', 'k:waiting-5', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d35222c22656d61696c223a2277616974696e672d35406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904163, 1796542504842, 1796538904842, 0);
INSERT INTO public.lb_leads VALUES (7, 7, 0, 'fixture', 'k:waiting-4', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d34222c22656d61696c223a2277616974696e672d34406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904144, 1796542505342, 1796538905342, 0);
INSERT INTO public.lb_leads VALUES (9, 9, 0, 'fixture', 'k:waiting-6', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d36222c22656d61696c223a2277616974696e672d36406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904194, 1796542505842, 1796538905842, 0);
INSERT INTO public.lb_leads VALUES (10, 10, 0, 'fixture', 'k:waiting-7', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d37222c22656d61696c223a2277616974696e672d37406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904214, 1796542506342, 1796538906342, 0);
INSERT INTO public.lb_leads VALUES (11, 11, 0, 'fixture', 'k:waiting-8', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d38222c22656d61696c223a2277616974696e672d38406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904238, 1796542587303, 1796538906848, 0);
INSERT INTO public.lb_leads VALUES (12, 12, 0, 'fixture', 'k:waiting-9', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d39222c22656d61696c223a2277616974696e672d39406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904305, 1796542700953, 1796538907343, 0);
INSERT INTO public.lb_leads VALUES (13, 13, 0, 'fixture', 'k:waiting-10', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d3130222c22656d61696c223a2277616974696e672d3130406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'stopped before sending', 0, 1, 1796538904340, 1796538908424, 1796538907424, 0);
INSERT INTO public.lb_leads VALUES (14, 14, 0, 'fixture', 'k:waiting-11', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d3131222c22656d61696c223a2277616974696e672d3131406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'stopped before sending', 0, 1, 1796538904397, 1796538908426, 1796538907426, 0);
INSERT INTO public.lb_leads VALUES (15, 15, 0, 'fixture', 'k:waiting-12', 'retrying', '', '\x7b226e616d65223a224c6561642077616974696e672d3132222c22656d61696c223a2277616974696e672d3132406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 1, '', 'Service Unavailable', 0, 1, 1796538904413, 1796542517924, 1796538907591, 0);
INSERT INTO public.lb_leads VALUES (16, 16, 0, 'fixture', 'k:nojob-2', 'queued', '', '\x7b226e616d65223a224c656164206e6f6a6f622d32222c22656d61696c223a226e6f6a6f622d32406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 0, '', '', 0, 1, 1796538907855, 0, 1796538907855, 0);
INSERT INTO public.lb_leads VALUES (17, 17, 0, 'fixture', 'k:nojob-1', 'queued', '', '\x7b226e616d65223a224c656164206e6f6a6f622d31222c22656d61696c223a226e6f6a6f622d31406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 0, '', '', 0, 1, 1796538907902, 0, 1796538907902, 0);
INSERT INTO public.lb_leads VALUES (18, 18, 0, 'fixture', 'k:nojob-3', 'queued', '', '\x7b226e616d65223a224c656164206e6f6a6f622d33222c22656d61696c223a226e6f6a6f622d33406578616d706c652e636f6d222c22706172746e6572223a7b226b6579223a227031227d7d', 0, '', '', 0, 1, 1796538907902, 0, 1796538907902, 0);


--
-- Data for Name: lb_schema; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.lb_schema VALUES (1);
INSERT INTO public.lb_schema VALUES (2);


--
-- Data for Name: river_job; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_job VALUES (1, 'completed', 1, 1000, '2026-12-06 06:35:01.695024+00', '2026-12-06 06:35:01.384113+00', '2026-12-06 06:35:01.70943+00', '2026-12-06 06:35:01.384113+00', 1, '{"gen": 0, "lead_id": 1}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (2, 'completed', 1, 1000, '2026-12-06 06:35:01.695024+00', '2026-12-06 06:35:01.637073+00', '2026-12-06 06:35:01.7046+00', '2026-12-06 06:35:01.637073+00', 1, '{"gen": 0, "lead_id": 2}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (3, 'completed', 1, 1000, '2026-12-06 06:35:01.744761+00', '2026-12-06 06:35:01.706116+00', '2026-12-06 06:35:02.205344+00', '2026-12-06 06:35:01.706116+00', 1, '{"gen": 0, "lead_id": 3}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (4, 'scheduled', 0, 1000, '2026-12-06 06:35:03.819092+00', '2026-12-06 06:35:03.750605+00', NULL, '2026-12-06 07:35:03.835832+00', 1, '{"gen": 0, "lead_id": 4}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (5, 'scheduled', 0, 1000, '2026-12-06 06:35:04.32413+00', '2026-12-06 06:35:03.821472+00', NULL, '2026-12-06 07:40:36.683785+00', 1, '{"gen": 0, "lead_id": 5}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (6, 'scheduled', 0, 1000, '2026-12-06 06:35:04.32413+00', '2026-12-06 06:35:04.112601+00', NULL, '2026-12-06 07:35:04.357241+00', 1, '{"gen": 0, "lead_id": 6}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (8, 'scheduled', 0, 1000, '2026-12-06 06:35:04.399811+00', '2026-12-06 06:35:04.184545+00', NULL, '2026-12-06 07:35:04.845+00', 1, '{"gen": 0, "lead_id": 8}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (7, 'scheduled', 0, 1000, '2026-12-06 06:35:04.399811+00', '2026-12-06 06:35:04.159928+00', NULL, '2026-12-06 07:35:05.345036+00', 1, '{"gen": 0, "lead_id": 7}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (9, 'scheduled', 0, 1000, '2026-12-06 06:35:04.845296+00', '2026-12-06 06:35:04.211378+00', NULL, '2026-12-06 07:35:05.84386+00', 1, '{"gen": 0, "lead_id": 9}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (10, 'scheduled', 0, 1000, '2026-12-06 06:35:05.345245+00', '2026-12-06 06:35:04.234077+00', NULL, '2026-12-06 07:35:06.344483+00', 1, '{"gen": 0, "lead_id": 10}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (11, 'scheduled', 0, 1000, '2026-12-06 06:35:05.844035+00', '2026-12-06 06:35:04.247084+00', NULL, '2026-12-06 07:36:27.315433+00', 1, '{"gen": 0, "lead_id": 11}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (12, 'scheduled', 0, 1000, '2026-12-06 06:35:06.344887+00', '2026-12-06 06:35:04.314128+00', NULL, '2026-12-06 07:38:20.96603+00', 1, '{"gen": 0, "lead_id": 12}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (13, 'available', 0, 1000, '2026-12-06 06:35:06.860617+00', '2026-12-06 06:35:04.350924+00', NULL, '2026-12-06 06:35:08.427904+00', 1, '{"gen": 0, "lead_id": 13}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (14, 'available', 0, 1000, '2026-12-06 06:35:07.356507+00', '2026-12-06 06:35:04.402265+00', NULL, '2026-12-06 06:35:08.444007+00', 1, '{"gen": 0, "lead_id": 14}', '{vm_2026_12_06T06_35_01_143065}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (15, 'scheduled', 0, 1000, '2026-12-06 06:35:07.574818+00', '2026-12-06 06:35:04.416597+00', NULL, '2026-12-06 07:35:17.937406+00', 1, '{"gen": 0, "lead_id": 15}', '{vm_2026_12_06T06_35_07_551049}', NULL, 'leadbridge_deliver', '{"snoozes": 1}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (16, 'available', 0, 1000, NULL, '2026-12-06 06:35:07.891811+00', NULL, '2026-12-06 06:35:07.891811+00', 1, '{"gen": 0, "lead_id": 16}', NULL, NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (17, 'available', 0, 1000, NULL, '2026-12-06 06:35:07.908749+00', NULL, '2026-12-06 06:35:07.908749+00', 1, '{"gen": 0, "lead_id": 17}', NULL, NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);
INSERT INTO public.river_job VALUES (18, 'available', 0, 1000, NULL, '2026-12-06 06:35:07.908749+00', NULL, '2026-12-06 06:35:07.908749+00', 1, '{"gen": 0, "lead_id": 18}', NULL, NULL, 'leadbridge_deliver', '{}', 'default', '{}', NULL, NULL);


--
-- Data for Name: river_leader; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_leader VALUES ('2026-12-06 06:35:07.552532+00', '2026-12-06 06:35:22.552532+00', 'vm_2026_12_06T06_35_07_551049', 'default');


--
-- Data for Name: river_migration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_migration VALUES ('main', 1, '2026-12-06 06:35:00.822668+00');
INSERT INTO public.river_migration VALUES ('main', 2, '2026-12-06 06:35:00.865112+00');
INSERT INTO public.river_migration VALUES ('main', 3, '2026-12-06 06:35:00.984194+00');
INSERT INTO public.river_migration VALUES ('main', 4, '2026-12-06 06:35:00.988275+00');
INSERT INTO public.river_migration VALUES ('main', 5, '2026-12-06 06:35:01.012076+00');
INSERT INTO public.river_migration VALUES ('main', 6, '2026-12-06 06:35:01.076197+00');
INSERT INTO public.river_migration VALUES ('main', 7, '2026-12-06 06:35:01.088121+00');
INSERT INTO public.river_migration VALUES ('main', 8, '2026-12-06 06:35:01.128132+00');


--
-- Data for Name: river_notification; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_queue; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_queue VALUES ('default', '2026-12-06 06:35:01.145391+00', '{}', NULL, '2026-12-06 06:35:07.554717+00');


--
-- Name: lb_attempts_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.lb_attempts_id_seq', 15, true);


--
-- Name: lb_events_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.lb_events_id_seq', 18, true);


--
-- Name: lb_leads_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.lb_leads_id_seq', 18, true);


--
-- Name: river_job_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.river_job_id_seq', 18, true);


--
-- Name: river_notification_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.river_notification_id_seq', 1, false);


--
-- Name: lb_attempts lb_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_attempts
    ADD CONSTRAINT lb_attempts_pkey PRIMARY KEY (id);


--
-- Name: lb_events lb_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_events
    ADD CONSTRAINT lb_events_pkey PRIMARY KEY (id);


--
-- Name: lb_events lb_events_source_dedupe_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_events
    ADD CONSTRAINT lb_events_source_dedupe_key_key UNIQUE (source, dedupe_key);


--
-- Name: lb_leads lb_leads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_leads
    ADD CONSTRAINT lb_leads_pkey PRIMARY KEY (id);


--
-- Name: lb_leads lb_leads_source_dedupe_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_leads
    ADD CONSTRAINT lb_leads_source_dedupe_key_key UNIQUE (source, dedupe_key);


--
-- Name: river_job river_job_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job
    ADD CONSTRAINT river_job_pkey PRIMARY KEY (id);


--
-- Name: river_leader river_leader_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_leader
    ADD CONSTRAINT river_leader_pkey PRIMARY KEY (name);


--
-- Name: river_migration river_migration_pkey1; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_migration
    ADD CONSTRAINT river_migration_pkey1 PRIMARY KEY (line, version);


--
-- Name: river_notification river_notification_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_notification
    ADD CONSTRAINT river_notification_pkey PRIMARY KEY (id);


--
-- Name: river_queue river_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_queue
    ADD CONSTRAINT river_queue_pkey PRIMARY KEY (name);


--
-- Name: lb_attempts_lead; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_attempts_lead ON public.lb_attempts USING btree (lead_id);


--
-- Name: lb_events_received; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_events_received ON public.lb_events USING btree (received_at);


--
-- Name: lb_events_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_events_status ON public.lb_events USING btree (status, id);


--
-- Name: lb_leads_event; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_leads_event ON public.lb_leads USING btree (event_id);


--
-- Name: lb_leads_relay; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_leads_relay ON public.lb_leads USING btree (id) WHERE ((enqueued = 0) AND (status = 'queued'::text));


--
-- Name: lb_leads_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX lb_leads_status ON public.lb_leads USING btree (status);


--
-- Name: river_job_args_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_args_index ON public.river_job USING gin (args);


--
-- Name: river_job_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_kind ON public.river_job USING btree (kind);


--
-- Name: river_job_metadata_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_metadata_index ON public.river_job USING gin (metadata);


--
-- Name: river_job_prioritized_fetching_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_prioritized_fetching_index ON public.river_job USING btree (state, queue, priority, scheduled_at, id);


--
-- Name: river_job_state_and_finalized_at_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_state_and_finalized_at_index ON public.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL);


--
-- Name: river_job_unique_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX river_job_unique_idx ON public.river_job USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND public.river_job_state_in_bitmask(unique_states, state));


--
-- Name: river_notification_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_notification_created_at_idx ON public.river_notification USING btree (created_at);


--
-- Name: river_notification_topic_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_notification_topic_id_idx ON public.river_notification USING btree (topic, id);


--
-- Name: lb_attempts lb_attempts_lead_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_attempts
    ADD CONSTRAINT lb_attempts_lead_id_fkey FOREIGN KEY (lead_id) REFERENCES public.lb_leads(id) ON DELETE CASCADE;


--
-- Name: lb_leads lb_leads_event_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.lb_leads
    ADD CONSTRAINT lb_leads_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.lb_events(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


