"""A DAG of one task, so the scheduler has something to parse."""

from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(dag_id="hello", start_date=datetime(2026, 1, 1), schedule=None):
    BashOperator(task_id="say_hello", bash_command="echo hello")
